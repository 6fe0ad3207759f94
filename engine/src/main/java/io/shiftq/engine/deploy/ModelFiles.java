package io.shiftq.engine.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.engine.deploy.IntegerModel.Add;
import io.shiftq.engine.deploy.IntegerModel.AvgPool;
import io.shiftq.engine.deploy.IntegerModel.ClippedRelu;
import io.shiftq.engine.deploy.IntegerModel.Concat;
import io.shiftq.engine.deploy.IntegerModel.MaxPool;
import io.shiftq.engine.deploy.IntegerModel.Op;
import io.shiftq.engine.deploy.IntegerModel.PassThrough;
import io.shiftq.engine.deploy.IntegerModel.Quantizer;
import io.shiftq.engine.deploy.IntegerModel.Relu;
import io.shiftq.engine.deploy.IntegerModel.Weighted;
import io.shiftq.engine.io.Npz;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes and reads an {@link IntegerModel} as {@code weights.npz} (integer arrays and exponent
 * arrays by layer name, readable by {@code numpy.load}) plus {@code model.json} (the graph: op
 * order, types, shapes, strides, padding, inputs, quantizers and shifts).
 *
 * <p>Arrays in weights.npz for a conv/linear layer {@code L}: {@code L.weight} (int8/int16/int32
 * as the bitwidth needs), {@code L.bias} (int32, int64 above 32 bits), {@code L.weight_exponent}
 * and {@code L.bias_exponent} (one, or one per output channel), {@code L.input_exponent},
 * {@code L.output_exponent}, {@code L.shift_cut} (one per output channel), and
 * {@code L.input_align_shift} when the layer reads another layer's output. For an add {@code A}:
 * {@code A.input_exponent} (the alignment), {@code A.output_exponent}, {@code A.align_shift} (one
 * per input) and {@code A.shift_cut}. Exponent n means scale 2^-n.
 */
public final class ModelFiles {
    /** Name of the integer arrays archive. */
    public static final String WEIGHTS = "weights.npz";
    /** Name of the graph description. */
    public static final String GRAPH = "model.json";

    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelFiles() {}

    /** Writes weights.npz and model.json into dir; returns their paths (npz first). */
    public static List<Path> write(IntegerModel m, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path npz = dir.resolve(WEIGHTS);
        Path json = dir.resolve(GRAPH);
        Npz.write(npz, arrays(m));
        MAPPER.writeValue(json.toFile(), graph(m));
        return List.of(npz, json);
    }

    /** Loads a model from the two files in dir; nothing else is read. */
    public static IntegerModel read(Path dir) throws IOException {
        Map<String, Npz.Array> arrays = Npz.read(dir.resolve(WEIGHTS));
        JsonNode g = MAPPER.readTree(dir.resolve(GRAPH).toFile());
        if (!"shiftq-integer-model".equals(g.path("format").asText())) {
            throw new IOException(dir.resolve(GRAPH) + " is not a shiftq integer model");
        }
        List<Op> ops = new ArrayList<>();
        for (JsonNode o : g.get("ops")) {
            ops.add(op(o, arrays));
        }
        JsonNode n = g.get("input_normalization");
        IntegerModel.InputNormalization normalization = n == null || n.isNull()
                ? null
                : new IntegerModel.InputNormalization(floats(n.get("mean")), floats(n.get("std")));
        return new IntegerModel(
                g.get("network").asText(),
                ints(g.get("input_shape")),
                g.get("num_classes").asInt(),
                List.copyOf(ops),
                normalization);
    }

    /** The npz arrays of a model, in op order. */
    public static Map<String, Npz.Array> arrays(IntegerModel m) {
        Map<String, Npz.Array> out = new LinkedHashMap<>();
        for (Op op : m.ops()) {
            String n = op.name();
            if (op instanceof Weighted w) {
                long[] shape = w.weightShape();
                out.put(
                        n + ".weight",
                        Npz.Array.ofLongs(
                                intDtype(w.weights().bits()),
                                shape,
                                toLongs(w.weights().codes())));
                if (w.biases() != null) {
                    out.put(
                            n + ".bias",
                            Npz.Array.ofLongs(
                                    intDtype(w.biases().bits()),
                                    new long[] {w.geometry().outChannels()},
                                    w.biases().codes()));
                }
                out.put(n + ".weight_exponent", vector(w.weights().exponents()));
                if (w.biases() != null) {
                    out.put(n + ".bias_exponent", vector(w.biases().exponents()));
                }
                out.put(n + ".input_exponent", scalar(w.input().exponent()));
                out.put(n + ".output_exponent", scalar(w.output().exponent()));
                out.put(n + ".shift_cut", vector(w.shiftCut()));
                if (w.inputAlignShift() != null) {
                    out.put(n + ".input_align_shift", scalar(w.inputAlignShift()));
                }
            } else if (op instanceof Add a) {
                out.put(n + ".input_exponent", scalar(a.align().exponent()));
                out.put(n + ".output_exponent", scalar(a.output().exponent()));
                out.put(n + ".align_shift", vector(a.alignShifts()));
                out.put(n + ".shift_cut", scalar(a.shiftCut()));
            } else if (op instanceof Concat c) {
                out.put(n + ".output_exponent", scalar(c.output().exponent()));
                out.put(n + ".align_shift", vector(c.alignShifts()));
            } else if (op instanceof AvgPool a) {
                out.put(n + ".output_exponent", scalar(a.output().exponent()));
            }
        }
        return out;
    }

    /**
     * What an export does differently for this model, in words: an average pool whose window is not a power of two
     * needs a division on every integer target.
     */
    public static List<String> exportNotes(IntegerModel m) {
        List<String> notes = new ArrayList<>();
        for (Op op : m.ops()) {
            if (op instanceof AvgPool p && !p.powerOfTwo()) {
                notes.add(op.name() + " (avgpool): window " + p.window() + " is not a power of two; every integer"
                        + " target needs a division by " + p.window() + " here, not a shift");
            }
        }
        return notes;
    }

    /** The numpy dtype that holds signed codes of this bitwidth. */
    public static String intDtype(int bits) {
        return bits <= 8 ? "|i1" : bits <= 16 ? "<i2" : bits <= 32 ? "<i4" : "<i8";
    }

    /** The model.json tree. */
    public static ObjectNode graph(IntegerModel m) {
        ObjectNode g = MAPPER.createObjectNode();
        g.put("format", "shiftq-integer-model");
        g.put("version", 1);
        g.put("network", m.network());
        g.set("input_shape", arr(m.inputShape()));
        g.put("num_classes", m.numClasses());
        g.put(
                "input_dtype",
                "float32, quantized with the first layer's input quantizer: "
                        + "q = clamp(floor(x * 2^n + 0.5)) in float32");
        g.put(
                "requantization",
                "y = sat((acc + (1 << (s-1))) >> s) for s = shift_cut > 0 (round half up; floor "
                        + "drops the offset); y = sat(acc << -s) for s < 0");
        g.put(
                "alignment",
                "align shifts are target - source exponent: left shift when positive, rounding right "
                        + "shift by -shift when negative, then saturation to the target quantizer");
        g.put("exponent", "x = q * 2^-exponent");
        if (m.normalization() != null) {
            ObjectNode n = g.putObject("input_normalization");
            ArrayNode mean = n.putArray("mean");
            ArrayNode std = n.putArray("std");
            for (float v : m.normalization().mean()) {
                mean.add(v);
            }
            for (float v : m.normalization().std()) {
                std.add(v);
            }
            n.put(
                    "fold",
                    "the input is x = (pixel - mean[c]) / std[c] in float32 (pixel in [0, 1]) before the input"
                            + " quantizer; fold it there: q = clamp(floor(x * 2^n + 0.5)), one table per channel for"
                            + " 8-bit pixels");
        }
        ArrayNode notes = g.putArray("export_notes");
        exportNotes(m).forEach(notes::add);
        ArrayNode ops = g.putArray("ops");
        List<int[]> shapes = shapes(m);
        for (int i = 0; i < m.ops().size(); i++) {
            ObjectNode o = describe(m.ops().get(i));
            o.put("index", i);
            o.set("output_shape", arr(shapes.get(i)));
            ops.add(o);
        }
        return g;
    }

    /** Output shape [C, H, W] or [F] of every op for one sample. */
    public static List<int[]> shapes(IntegerModel m) {
        List<int[]> s = new ArrayList<>();
        for (Op op : m.ops()) {
            int j = op.inputs().get(0);
            int[] in = j == IntegerModel.INPUT ? m.inputShape() : s.get(j);
            if (op instanceof Weighted w) {
                if (w.isConv()) {
                    int h = (in[1] + 2 * w.geometry().padding() - w.geometry().kernel())
                                    / w.geometry().stride()
                            + 1;
                    int wd = (in[2] + 2 * w.geometry().padding() - w.geometry().kernel())
                                    / w.geometry().stride()
                            + 1;
                    s.add(new int[] {w.geometry().outChannels(), h, wd});
                } else {
                    s.add(new int[] {w.geometry().outChannels()});
                }
            } else if (op instanceof MaxPool p) {
                s.add(new int[] {in[0], (in[1] - p.kernel()) / p.stride() + 1, (in[2] - p.kernel()) / p.stride() + 1});
            } else if (op instanceof AvgPool p) {
                s.add(new int[] {in[0], (in[1] - p.kernel()) / p.stride() + 1, (in[2] - p.kernel()) / p.stride() + 1});
            } else if (op instanceof Concat c) {
                int[] out = in.clone();
                for (int k = 1; k < c.inputs().size(); k++) {
                    out[0] += s.get(c.inputs().get(k))[0];
                }
                s.add(out);
            } else if (op instanceof PassThrough p && p.type().equals("flatten")) {
                int n = 1;
                for (int d : in) {
                    n *= d;
                }
                s.add(new int[] {n});
            } else {
                s.add(in.clone());
            }
        }
        return s;
    }

    /** One op as JSON (without the integer weight and bias arrays, which live in the npz). */
    /**
     * Whether two models have the same graph: network, input shape, classes, and every op as {@code model.json}
     * describes it (codes are compared separately, array by array).
     */
    static boolean sameGraph(IntegerModel a, IntegerModel b) {
        if (!a.network().equals(b.network())
                || !Arrays.equals(a.inputShape(), b.inputShape())
                || a.numClasses() != b.numClasses()
                || a.ops().size() != b.ops().size()) {
            return false;
        }
        for (int i = 0; i < a.ops().size(); i++) {
            if (!describe(a.ops().get(i)).equals(describe(b.ops().get(i)))) {
                return false;
            }
        }
        return true;
    }

    static ObjectNode describe(Op op) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("name", op.name());
        o.put("type", op.type());
        ArrayNode in = o.putArray("inputs");
        op.inputs().forEach(in::add);
        if (op instanceof Weighted w) {
            o.put("in_channels", w.geometry().inChannels());
            o.put("out_channels", w.geometry().outChannels());
            if (w.isConv()) {
                o.put("kernel", w.geometry().kernel());
                o.put("stride", w.geometry().stride());
                o.put("padding", w.geometry().padding());
                o.put("groups", w.geometry().groups());
            }
            ObjectNode wt = o.putObject("weight");
            wt.put("array", w.name() + ".weight");
            wt.put("bits", w.weights().bits());
            wt.put("signed", true);
            wt.set("exponents", arr(w.weights().exponents()));
            wt.put("checksum", Arrays.hashCode(w.weights().codes()));
            if (w.biases() != null) {
                ObjectNode b = o.putObject("bias");
                b.put("array", w.name() + ".bias");
                b.put("bits", w.biases().bits());
                b.put("signed", true);
                b.set("exponents", arr(w.biases().exponents()));
                b.put("checksum", Arrays.hashCode(w.biases().codes()));
            } else {
                o.putNull("bias");
            }
            o.set("input", quantizer(w.input()));
            if (w.inputAlignShift() == null) {
                o.putNull("input_align_shift");
            } else {
                o.put("input_align_shift", w.inputAlignShift());
            }
            o.set("output", quantizer(w.output()));
            o.set("shift_cut", arr(w.shiftCut()));
            o.put("fused_relu", w.fusedRelu());
        } else if (op instanceof Add a) {
            o.set("align", quantizer(a.align()));
            o.set("align_shifts", arr(a.alignShifts()));
            o.set("output", quantizer(a.output()));
            o.put("shift_cut", a.shiftCut());
            o.put("fused_relu", a.fusedRelu());
        } else if (op instanceof Relu r) {
            o.put("fused", r.fused());
        } else if (op instanceof MaxPool p) {
            o.put("kernel", p.kernel());
            o.put("stride", p.stride());
        } else if (op instanceof ClippedRelu r) {
            o.put("fused", r.fused());
            o.put("max", r.max());
            o.put("cap", r.cap());
        } else if (op instanceof AvgPool p) {
            o.put("kernel", p.kernel());
            o.put("stride", p.stride());
            o.put("extra_bits", p.extraBits());
            o.put(
                    "sum",
                    p.powerOfTwo()
                            ? "window sum of " + p.window() + " codes; the exponent grows by " + p.extraBits()
                            : "window " + p.window() + " is not a power of two: out = floor((sum * 2^" + p.extraBits()
                                    + " * 2 + " + p.window() + ") / " + (2 * p.window())
                                    + "), an integer division, not a shift");
            o.set("output", quantizer(p.output()));
        } else if (op instanceof Concat c) {
            o.set("align_shifts", arr(c.alignShifts()));
            o.set("output", quantizer(c.output()));
        }
        return o;
    }

    private static Op op(JsonNode o, Map<String, Npz.Array> arrays) throws IOException {
        String name = o.get("name").asText();
        List<Integer> inputs = new ArrayList<>();
        o.get("inputs").forEach(x -> inputs.add(x.asInt()));
        String type = o.get("type").asText();
        switch (type) {
            case "conv", "linear" -> {
                boolean conv = type.equals("conv");
                JsonNode wt = o.get("weight");
                int[] weight = toInts(array(arrays, wt.get("array").asText()).longs());
                long[] bias = null;
                int biasBits = 0;
                int[] biasExp = null;
                JsonNode b = o.get("bias");
                if (b != null && !b.isNull()) {
                    bias = array(arrays, b.get("array").asText()).longs();
                    biasBits = b.get("bits").asInt();
                    biasExp = ints(b.get("exponents"));
                }
                JsonNode align = o.get("input_align_shift");
                IntegerModel.Geometry geometry = new IntegerModel.Geometry(
                        o.get("in_channels").asInt(),
                        o.get("out_channels").asInt(),
                        conv ? o.get("kernel").asInt() : 1,
                        conv ? o.get("stride").asInt() : 1,
                        conv ? o.get("padding").asInt() : 0,
                        conv ? o.path("groups").asInt(1) : 1);
                IntegerModel.WeightCodes weights =
                        new IntegerModel.WeightCodes(weight, wt.get("bits").asInt(), ints(wt.get("exponents")));
                IntegerModel.BiasCodes biases =
                        bias == null ? null : new IntegerModel.BiasCodes(bias, biasBits, biasExp);
                return new Weighted(
                        name,
                        type,
                        List.copyOf(inputs),
                        geometry,
                        weights,
                        biases,
                        quantizer(o.get("input")),
                        align == null || align.isNull() ? null : align.asInt(),
                        quantizer(o.get("output")),
                        ints(o.get("shift_cut")),
                        o.get("fused_relu").asBoolean());
            }
            case "add" -> {
                return new Add(
                        name,
                        List.copyOf(inputs),
                        quantizer(o.get("align")),
                        ints(o.get("align_shifts")),
                        quantizer(o.get("output")),
                        o.get("shift_cut").asInt(),
                        o.get("fused_relu").asBoolean());
            }
            case "relu" -> {
                return new Relu(name, List.copyOf(inputs), o.get("fused").asBoolean());
            }
            case "maxpool" -> {
                return new MaxPool(
                        name,
                        List.copyOf(inputs),
                        o.get("kernel").asInt(),
                        o.get("stride").asInt());
            }
            case "clipped_relu" -> {
                return new ClippedRelu(
                        name,
                        List.copyOf(inputs),
                        o.get("fused").asBoolean(),
                        (float) o.get("max").asDouble(),
                        o.get("cap").asLong());
            }
            case "avgpool" -> {
                return new AvgPool(
                        name,
                        List.copyOf(inputs),
                        o.get("kernel").asInt(),
                        o.get("stride").asInt(),
                        o.get("extra_bits").asInt(),
                        quantizer(o.get("output")));
            }
            case "concat" -> {
                return new Concat(name, List.copyOf(inputs), ints(o.get("align_shifts")), quantizer(o.get("output")));
            }
            case "flatten", "identity" -> {
                return new PassThrough(name, type, List.copyOf(inputs));
            }
            default -> throw new IOException("model.json: unknown op type '" + type + "' at " + name);
        }
    }

    private static Npz.Array array(Map<String, Npz.Array> arrays, String name) throws IOException {
        Npz.Array a = arrays.get(name);
        if (a == null) {
            throw new IOException("weights.npz has no array " + name);
        }
        return a;
    }

    private static ObjectNode quantizer(Quantizer q) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("bits", q.bits());
        o.put("signed", q.signed());
        o.put("exponent", q.exponent());
        return o;
    }

    private static Quantizer quantizer(JsonNode o) {
        return new Quantizer(
                o.get("bits").asInt(),
                o.get("signed").asBoolean(),
                o.get("exponent").asInt());
    }

    private static ArrayNode arr(int[] v) {
        ArrayNode a = MAPPER.createArrayNode();
        for (int x : v) {
            a.add(x);
        }
        return a;
    }

    private static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asInt();
        }
        return v;
    }

    private static float[] floats(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) a.get(i).asDouble();
        }
        return v;
    }

    private static Npz.Array scalar(int v) {
        return Npz.Array.ofLongs("<i4", new long[0], new long[] {v});
    }

    private static Npz.Array vector(int[] v) {
        return Npz.Array.ofLongs("<i4", new long[] {v.length}, toLongs(v));
    }

    static long[] toLongs(int[] v) {
        long[] l = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            l[i] = v[i];
        }
        return l;
    }

    private static int[] toInts(long[] v) {
        int[] l = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            l[i] = Math.toIntExact(v[i]);
        }
        return l;
    }

    /** Unchecked wrapper for callers in streams. */
    static IntegerModel readUnchecked(Path dir) {
        try {
            return read(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
