package io.shiftq.engine.deploy.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import io.shiftq.engine.io.Npz;
import io.shiftq.engine.model.Layer;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Max or average pooling with zero padding and/or ceil_mode, PyTorch's rules ({@link Layer.PaddedPool2d}). Window
 * (oy, ox) covers rows [oy * stride - padding, + kernel) clipped to the input. A max takes the largest code inside
 * the input (a pad never wins) and keeps the input's quantizer. An average sums the codes inside the input and gives
 * round_half_up(sum * 2^extraBits / n) = floor((sum * 2^(extraBits + 1) + n) / 2n) at exponent input + extraBits,
 * where n is the window clipped to the padded input ({@code countIncludePad}) or to the input; n never exceeds
 * 2^extraBits, so the quotient is never a tie and a power-of-two n divides exactly.
 *
 * @param name layer name
 * @param inputs the input
 * @param max max pooling, else average
 * @param kernel window side
 * @param stride stride
 * @param padding zero padding on every side
 * @param ceilMode an output for a partial window at the bottom and right
 * @param countIncludePad an average divides by the padded window
 * @param extraBits ceil(log2(kernel^2)) for an average (0 for a max)
 * @param output the average's output quantizer (32-bit, signed); null for a max
 */
public record PaddedPool(
        String name,
        List<Integer> inputs,
        boolean max,
        int kernel,
        int stride,
        int padding,
        boolean ceilMode,
        boolean countIncludePad,
        int extraBits,
        Quantizer output)
        implements Op {
    @Override
    public String type() {
        return "padded_pool";
    }

    static Op build(LayerBuild b) {
        b.requireQuantizedInput();
        Layer.PaddedPool2d p = (Layer.PaddedPool2d) b.layer();
        if (p.max()) {
            return new PaddedPool(
                    b.name(), b.inputs(), true, p.kernel(), p.stride(), p.padding(), p.ceilMode(), false, 0, null);
        }
        Quantizer output = AvgPool.sumQuantizer(b, p.extraBits());
        return new PaddedPool(
                b.name(),
                b.inputs(),
                false,
                p.kernel(),
                p.stride(),
                p.padding(),
                p.ceilMode(),
                p.countIncludePad(),
                p.extraBits(),
                output);
    }

    static Op read(JsonNode o, String name, List<Integer> inputs, Map<String, Npz.Array> arrays) {
        boolean max = o.get("max").asBoolean();
        return new PaddedPool(
                name,
                inputs,
                max,
                o.get("kernel").asInt(),
                o.get("stride").asInt(),
                o.get("padding").asInt(),
                o.get("ceil_mode").asBoolean(),
                !max && o.get("count_include_pad").asBoolean(),
                max ? 0 : o.get("extra_bits").asInt(),
                max ? null : OpJson.quantizer(o.get("output")));
    }

    private Layer.PaddedPool2d layer() {
        return new Layer.PaddedPool2d(name, max, kernel, stride, padding, ceilMode, countIncludePad);
    }

    @Override
    public int[] outputShape(List<int[]> in) {
        int[] s = in.get(0);
        return new int[] {s[0], layer().outputSize(s[1]), layer().outputSize(s[2])};
    }

    @Override
    public Quantizer valueQuantizer(Quantizer in) {
        return max ? in : output;
    }

    /** The divisor of an average's window (oy, ox) on an h x w input: PyTorch's avg_pool2d count. */
    long divisor(int oy, int ox, int h, int w) {
        return span(oy, h) * span(ox, w);
    }

    private long span(int o, int size) {
        int start = o * stride - padding;
        int end = Math.min(start + kernel, size + padding);
        if (countIncludePad) {
            return end - start;
        }
        return Math.min(end, size) - Math.max(start, 0);
    }

    @Override
    public long[] run(ScalarRun r) {
        long[] x = r.input(0);
        int[] in = r.inShape(0);
        int h = in[1];
        int w = in[2];
        int oh = r.outShape()[1];
        int ow = r.outShape()[2];
        long[] out = new long[in[0] * oh * ow];
        for (int ch = 0; ch < in[0]; ch++) {
            for (int oy = 0; oy < oh; oy++) {
                int y0 = Math.max(oy * stride - padding, 0);
                int y1 = Math.min(oy * stride - padding + kernel, h);
                for (int ox = 0; ox < ow; ox++) {
                    int x0 = Math.max(ox * stride - padding, 0);
                    int x1 = Math.min(ox * stride - padding + kernel, w);
                    long acc = max ? Long.MIN_VALUE : 0;
                    for (int y = y0; y < y1; y++) {
                        for (int xx = x0; xx < x1; xx++) {
                            long v = x[(ch * h + y) * w + xx];
                            acc = max ? Math.max(acc, v) : acc + v;
                        }
                    }
                    out[(ch * oh + oy) * ow + ox] = max ? acc : average(acc, divisor(oy, ox, h, w));
                }
            }
        }
        return out;
    }

    private long average(long sum, long n) {
        return Codes.saturate(Math.floorDiv((sum << (extraBits + 1)) + n, 2 * n), output);
    }

    @Override
    public double tensorBound(TensorBounds b) {
        if (max) {
            return b.keep();
        }
        double window = kernel * kernel;
        double scale = Math.scalb(1.0, extraBits);
        // An average of codes times 2^extraBits, plus one for the rounding; counting the padding averages in zeros.
        double lo = countIncludePad ? Math.min(b.inLo(), 0) : b.inLo();
        double hi = countIncludePad ? Math.max(b.inHi(), 0) : b.inHi();
        b.range(Math.max(output.qmin(), lo * scale - 1), Math.min(output.qmax(), hi * scale + 1));
        return window * b.inAbs() * Math.scalb(1.0, extraBits + 1) + window;
    }

    /** For an average: the window of ones a depthwise convolution sums with, and the divisor of every output. */
    @Override
    public List<NDArray> tensorConstants(TensorSetup s) {
        if (max) {
            return List.of();
        }
        int[] in = s.inShape(0);
        int[] out = outputShape(List.of(in));
        double[] n = new double[out[1] * out[2]];
        for (int oy = 0; oy < out[1]; oy++) {
            for (int ox = 0; ox < out[2]; ox++) {
                n[oy * out[2] + ox] = divisor(oy, ox, in[1], in[2]);
            }
        }
        return List.of(
                s.manager().ones(new Shape(in[0], 1, kernel, kernel), DataType.FLOAT64),
                s.manager().create(n, new Shape(1, 1, out[1], out[2])));
    }

    @Override
    public NDArray forward(TensorRun t) {
        NDArray x = t.input(0);
        Shape k = new Shape(kernel, kernel);
        Shape st = new Shape(stride, stride);
        if (max) {
            return Pool.maxPool2d(x, k, st, new Shape(padding, padding), ceilMode);
        }
        // Zero padding of padding + stride on every side gives every ceil-mode window; the first output is dropped.
        int pad = padding + stride;
        long oh = t.constant(1).getShape().get(2);
        long ow = t.constant(1).getShape().get(3);
        NDArray sum = Conv2d.conv2d(
                        x,
                        t.constant(0).toType(x.getDataType(), false),
                        null,
                        st,
                        new Shape(pad, pad),
                        new Shape(1, 1),
                        (int) x.getShape().get(1))
                .singletonOrThrow()
                .get(new NDIndex(":, :, 1:{}, 1:{}", oh + 1, ow + 1));
        NDArray n = t.constant(1).toType(x.getDataType(), false);
        return sum.mul(Math.scalb(1f, extraBits + 1))
                .add(n)
                .div(n.mul(2f))
                .floor()
                .clip(t.lo(), t.hi());
    }

    @Override
    public void header(CHeaderOut h) {
        String p = h.macro();
        h.text("/* " + name + ": " + (max ? "max" : "average") + " pool " + kernel + 'x' + kernel + ", stride "
                + stride + ", padding " + padding + (ceilMode ? ", ceil_mode" : "")
                + (max
                        ? "; a pad never wins"
                        : countIncludePad
                                ? "; divides by the window clipped to the padded input"
                                : "; divides by the values inside the input")
                + " */\n");
        h.define(p + "_KERNEL", kernel);
        h.define(p + "_STRIDE", stride);
        h.define(p + "_PADDING", padding);
        if (!max) {
            h.define(p + "_EXTRA_BITS", extraBits);
            h.quantizer(p + "_OUTPUT", output);
        }
        h.text("\n");
    }

    private static final String C = """
            static void op_$id(const $in x[$inSize], $out y[$outSize])
            {
                for (int c = 0; c < $channels; c++) {
                    for (int oy = 0; oy < $outHeight; oy++) {
                        const int ys = oy * $macro_STRIDE - $macro_PADDING;
                        const int ye = ys + $macro_KERNEL < $height + $macro_PADDING ? ys + $macro_KERNEL : $height + $macro_PADDING;
                        const int y0 = ys > 0 ? ys : 0;
                        const int y1 = ye < $height ? ye : $height;
                        for (int ox = 0; ox < $outWidth; ox++) {
                            const int xs = ox * $macro_STRIDE - $macro_PADDING;
                            const int xe = xs + $macro_KERNEL < $width + $macro_PADDING ? xs + $macro_KERNEL : $width + $macro_PADDING;
                            const int x0 = xs > 0 ? xs : 0;
                            const int x1 = xe < $width ? xe : $width;
                            $init
                            for (int iy = y0; iy < y1; iy++) {
                                for (int ix = x0; ix < x1; ix++) {
                                    const $in v = x[(c * $height + iy) * $width + ix];
                                    $step
                                }
                            }
                            y[(c * $outHeight + oy) * $outWidth + ox] = $value;
                        }
                    }
                }
            }
            """;

    /** The window clipped to the input (a max, an average without the pad count) or to the padded input. */
    @Override
    public void source(CSourceOut c) {
        String macro = c.macro();
        Map<String, Object> holes = MaxPool.windowHoles(c, c.inType(0));
        holes.put("macro", macro);
        String in = c.inType(0);
        if (max) {
            holes.put("init", in + " m = x[(c * " + c.inShape(0)[1] + " + y0) * " + c.inShape(0)[2] + " + x0];");
            holes.put("step", "m = v > m ? v : m;");
            holes.put("value", "m");
        } else {
            holes.put(
                    "init",
                    "int64_t s = 0; const int64_t n = "
                            + (countIncludePad ? "(int64_t) (ye - ys) * (xe - xs)" : "(int64_t) (y1 - y0) * (x1 - x0)")
                            + ";");
            holes.put("step", "s += v;");
            holes.put(
                    "value",
                    "(%2$s) shiftq_sat(shiftq_floor_div(s * (INT64_C(1) << (%1$s_EXTRA_BITS + 1)) + n, 2 * n),"
                                    .formatted(macro, c.outType())
                            + " %1$s_OUTPUT_QMIN, %1$s_OUTPUT_QMAX)".formatted(macro));
            c.useFloorDivision();
        }
        c.function("", CTemplate.fill(C, holes), c.buffer(0));
    }

    @Override
    public String qdq(QdqOut g) {
        List<byte[]> attrs = List.of(
                g.attrInts("kernel_shape", kernel, kernel),
                g.attrInts("strides", stride, stride),
                g.attrInts("pads", padding, padding, padding, padding),
                g.attrInt("ceil_mode", ceilMode ? 1 : 0));
        if (max) {
            g.node("MaxPool", List.of(g.input(0)), name, name, attrs.toArray(byte[][]::new));
            return name;
        }
        g.node(
                "AveragePool",
                List.of(g.input(0)),
                name + ".mean",
                name,
                attrs.get(0),
                attrs.get(1),
                attrs.get(2),
                attrs.get(3),
                g.attrInt("count_include_pad", countIncludePad ? 1 : 0));
        return g.qdq(name + ".mean", output, name + ".output");
    }

    @Override
    public void aimet(AimetOut a) {
        if (!max) {
            a.ownOutput(name, output);
        }
    }

    @Override
    public void describe(ObjectNode o) {
        o.put("max", max);
        o.put("kernel", kernel);
        o.put("stride", stride);
        o.put("padding", padding);
        o.put("ceil_mode", ceilMode);
        if (max) {
            o.put("rule", "largest code inside the input; a pad never wins");
            return;
        }
        o.put("count_include_pad", countIncludePad);
        o.put("extra_bits", extraBits);
        o.put(
                "sum",
                "out = floor((sum * 2^" + extraBits + " * 2 + n) / 2n), sum over the window inside the input, n = "
                        + (countIncludePad
                                ? "the window clipped to the padded input"
                                : "the number of values inside the input"));
        o.set("output", OpJson.quantizer(output));
    }

    @Override
    public void arrays(Map<String, Npz.Array> out) {
        if (!max) {
            out.put(name + ".output_exponent", OpJson.scalar(output.exponent()));
        }
    }

    @Override
    public Optional<String> exportNote() {
        return max || !ceilMode
                ? Optional.empty()
                : Optional.of(name + " (padded_pool): ceil_mode average; its edge windows divide by PyTorch's count,"
                        + " which ONNX Runtime's AveragePool may count differently there");
    }
}
