package io.shiftq.engine.deploy.format;

import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import io.shiftq.engine.deploy.ops.Op;
import io.shiftq.engine.deploy.ops.QdqOut;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An ONNX model (IR 7, opset 13) in QDQ form, written as protobuf bytes by hand (no generated
 * classes): integer weights and biases as int8/int32 initializers behind DequantizeLinear with
 * scale 2^-w (per output channel, axis 0, when the plan is per channel); every 8-bit activation
 * quantizer as QuantizeLinear/DequantizeLinear with scale 2^-n and zero point 0 (uint8 when
 * unsigned, int8 when signed); Conv (with groups)/Gemm/Relu/Clip/MaxPool/AveragePool/Concat/Flatten/Add for the
 * ops. An average pool is AveragePool followed by its 32-bit sum quantizer, a concatenation quantizes each input
 * to its output quantizer before the Concat, a clipped ReLU is Clip(0, cap * 2^-n).
 *
 * <p>Two differences from the integer executor, stated rather than hidden: ONNX QuantizeLinear
 * rounds half to even, ours half up; and quantizers that are not 8-bit (the 32-bit alignment of a
 * residual add, any non-8-bit activation) have no opset-13 QuantizeLinear, so they are written as
 * {@code Mul(2^n) -> Add(0.5) -> Floor -> Clip(qmin, qmax) -> Mul(2^-n)}, which rounds half up.
 * The input is {@code input} [N, C, H, W] float32, the output {@code logits} [N, classes].
 */
public final class OnnxQdq {
    /** File name of the export. */
    public static final String FILE = "model_qdq.onnx";

    private static final int FLOAT = 1;
    private static final int UINT8 = 2;
    private static final int INT8 = 3;
    private static final int INT32 = 6;
    private static final int INT64 = 7;

    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> initializers = new ArrayList<>();
    private int counter;

    private OnnxQdq() {}

    /** The serialized ModelProto. */
    public static byte[] model(IntegerModel m) {
        return new OnnxQdq().build(m);
    }

    private byte[] build(IntegerModel m) {
        String[] names = new String[m.ops().size()];
        Quantizer[] values = m.valueQuantizers();
        List<int[]> shapes = m.shapes();
        for (int i = 0; i < m.ops().size(); i++) {
            Op op = m.ops().get(i);
            names[i] = op.qdq(new QdqOut() {
                @Override
                public String input(int k) {
                    int j = op.inputs().get(k);
                    return j == IntegerModel.INPUT ? "input" : names[j];
                }

                @Override
                public Quantizer inputQuantizer(int k) {
                    return values[op.inputs().get(k)];
                }

                @Override
                public String qdq(String x, Quantizer q, String out) {
                    return OnnxQdq.this.qdq(x, q, out);
                }

                @Override
                public void node(String opType, List<String> inputs, String output, String name, byte[]... attrs) {
                    OnnxQdq.this.node(opType, inputs, output, name, attrs);
                }

                @Override
                public byte[] attrInt(String name, long v) {
                    return OnnxQdq.attrInt(name, v);
                }

                @Override
                public byte[] attrInts(String name, long... v) {
                    return OnnxQdq.attrInts(name, v);
                }

                @Override
                public byte[] attrFloat(String name, float v) {
                    return new Pb().string(1, name).fixed32(2, v).varint(20, 1).toBytes();
                }

                @Override
                public int[] inShape(int k) {
                    return m.shapeOf(op.inputs().get(k), shapes);
                }

                @Override
                public String int64s(String name, long... v) {
                    initializers.add(tensor(name, INT64, new long[] {v.length}, bytes(v, 8)));
                    return name;
                }

                @Override
                public String scalar(String name, float v) {
                    return OnnxQdq.this.scalar(name, v);
                }

                @Override
                public String dequantized(String name, long[] shape, long[] codes, boolean int8, int[] exponents) {
                    return OnnxQdq.this.dequantized(name, shape, codes, int8, exponents);
                }
            });
        }
        node("Identity", List.of(names[names.length - 1]), "logits", "logits");
        int[] s = m.inputShape();
        Pb graph = new Pb();
        nodes.forEach(b -> graph.bytes(1, b));
        graph.string(2, m.network() + "_qdq");
        initializers.forEach(b -> graph.bytes(5, b));
        graph.bytes(11, valueInfo("input", FLOAT, "N", s[0], s[1], s[2]));
        graph.bytes(12, valueInfo("logits", FLOAT, "N", m.shapes().get(names.length - 1)[0]));
        Pb opset = new Pb().string(1, "").varint(2, 13);
        Pb model = new Pb()
                .varint(1, 7)
                .string(2, "shiftq")
                .string(3, "0.1.0")
                .bytes(8, opset.toBytes())
                .bytes(7, graph.toBytes());
        return model.toBytes();
    }

    /** Fake-quantizes a float tensor: QDQ for 8-bit quantizers, exact half-up arithmetic otherwise. */
    private String qdq(String x, Quantizer q, String out) {
        String scale = scalar(out + ".scale", (float) Math.scalb(1.0, -q.exponent()));
        if (q.bits() == 8) {
            String zp = out + ".zero_point";
            initializers.add(tensor(zp, q.signed() ? INT8 : UINT8, new long[0], new byte[] {0}));
            node("QuantizeLinear", List.of(x, scale, zp), out + ".q", out + ".quantize");
            node("DequantizeLinear", List.of(out + ".q", scale, zp), out, out + ".dequantize");
            return out;
        }
        String up = scalar(out + ".inv_scale", (float) Math.scalb(1.0, q.exponent()));
        String half = scalar(out + ".half", 0.5f);
        String lo = scalar(out + ".qmin", (float) q.qmin());
        String hi = scalar(out + ".qmax", (float) q.qmax());
        node("Mul", List.of(x, up), out + ".scaled", out + ".mul");
        node("Clip", List.of(out + ".scaled", lo, hi), out + ".clipped", out + ".clip");
        node("Add", List.of(out + ".clipped", half), out + ".plus_half", out + ".add_half");
        node("Floor", List.of(out + ".plus_half"), out + ".codes", out + ".floor");
        node("Mul", List.of(out + ".codes", scale), out, out + ".dequantize");
        return out;
    }

    /** Codes as an int8 or int32 initializer behind a DequantizeLinear with scale 2^-e. */
    private String dequantized(String name, long[] shape, long[] codes, boolean int8, int[] exponents) {
        String quantized = name + "_quantized";
        initializers.add(tensor(quantized, int8 ? INT8 : INT32, shape, bytes(codes, int8 ? 1 : 4)));
        return dequantize(quantized, exponents, name);
    }

    private String dequantize(String codes, int[] exponents, String out) {
        String scale = out + ".scale";
        if (exponents.length == 1) {
            scalar(scale, (float) Math.scalb(1.0, -exponents[0]));
            node("DequantizeLinear", List.of(codes, scale), out, out + ".dequantize");
        } else {
            ByteBuffer b = ByteBuffer.allocate(4 * exponents.length).order(ByteOrder.LITTLE_ENDIAN);
            for (int e : exponents) {
                b.putFloat((float) Math.scalb(1.0, -e));
            }
            initializers.add(tensor(scale, FLOAT, new long[] {exponents.length}, b.array()));
            node("DequantizeLinear", List.of(codes, scale), out, out + ".dequantize", attrInt("axis", 0));
        }
        return out;
    }

    private String scalar(String name, float v) {
        initializers.add(tensor(
                name,
                FLOAT,
                new long[0],
                ByteBuffer.allocate(4)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putFloat(v)
                        .array()));
        return name;
    }

    private static byte[] bytes(long[] v, int width) {
        ByteBuffer b = ByteBuffer.allocate(v.length * width).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            switch (width) {
                case 1 -> b.put((byte) x);
                case 4 -> b.putInt((int) x);
                default -> b.putLong(x);
            }
        }
        return b.array();
    }

    private void node(String opType, List<String> inputs, String output, String name, byte[]... attrs) {
        Pb p = new Pb();
        inputs.forEach(i -> p.string(1, i));
        p.string(2, output);
        p.string(3, name + "#" + counter++);
        p.string(4, opType);
        for (byte[] a : attrs) {
            p.bytes(5, a);
        }
        nodes.add(p.toBytes());
    }

    private static byte[] attrInt(String name, long v) {
        return new Pb().string(1, name).varint(3, v).varint(20, 2).toBytes();
    }

    private static byte[] attrInts(String name, long... v) {
        Pb p = new Pb().string(1, name);
        for (long x : v) {
            p.varint(8, x);
        }
        return p.varint(20, 7).toBytes();
    }

    private static byte[] tensor(String name, int type, long[] dims, byte[] raw) {
        Pb p = new Pb();
        for (long d : dims) {
            p.varint(1, d);
        }
        return p.varint(2, type).string(8, name).bytes(9, raw).toBytes();
    }

    private static byte[] valueInfo(String name, int elemType, String batchParam, int... dims) {
        Pb shape = new Pb().bytes(1, new Pb().string(2, batchParam).toBytes());
        for (int d : dims) {
            shape.bytes(1, new Pb().varint(1, d).toBytes());
        }
        Pb tensorType = new Pb().varint(1, elemType).bytes(2, shape.toBytes());
        Pb type = new Pb().bytes(1, tensorType.toBytes());
        return new Pb().string(1, name).bytes(2, type.toBytes()).toBytes();
    }

    /** A minimal protobuf writer: varint and length-delimited fields. */
    static final class Pb {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pb varint(int field, long v) {
            raw((long) field << 3);
            raw(v);
            return this;
        }

        Pb fixed32(int field, float v) {
            raw(((long) field << 3) | 5);
            int bits = Float.floatToIntBits(v);
            for (int k = 0; k < 4; k++) {
                out.write((bits >>> (8 * k)) & 0xff);
            }
            return this;
        }

        Pb bytes(int field, byte[] b) {
            raw(((long) field << 3) | 2);
            raw(b.length);
            out.writeBytes(b);
            return this;
        }

        Pb string(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        private void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }
}
