package io.shiftq.engine.deploy.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.deploy.ops.Op;
import io.shiftq.engine.deploy.ops.OpJson;
import io.shiftq.engine.deploy.ops.Operators;
import io.shiftq.engine.io.Npz;
import io.shiftq.schema.Json;
import io.shiftq.schema.config.TargetLimits;
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

    /** The mapper the deploy files are written with (indented). */
    public static final ObjectMapper MAPPER = OpJson.MAPPER;

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
                normalization,
                target(g.get("target")));
    }

    private static IntegerModel.Target target(JsonNode t) throws IOException {
        if (t == null || t.isNull()) {
            return null;
        }
        return new IntegerModel.Target(
                t.get("profile").asText(), Json.mapper().treeToValue(t.get("limits"), TargetLimits.class));
    }

    /** The npz arrays of a model, in op order. */
    public static Map<String, Npz.Array> arrays(IntegerModel m) {
        Map<String, Npz.Array> out = new LinkedHashMap<>();
        for (Op op : m.ops()) {
            op.arrays(out);
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
            op.exportNote().ifPresent(notes::add);
        }
        return notes;
    }

    /** The numpy dtype that holds signed codes of this bitwidth. */
    public static String intDtype(int bits) {
        return OpJson.intDtype(bits);
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
        if (m.target() != null) {
            ObjectNode t = g.putObject("target");
            t.put("profile", m.target().profile());
            t.set("limits", Json.mapper().valueToTree(m.target().limits()));
            ObjectNode bounds = t.putObject("accumulator_bounds");
            m.weighted().forEach(w -> bounds.put(w.name(), w.accumulatorBound()));
        }
        ArrayNode notes = g.putArray("export_notes");
        exportNotes(m).forEach(notes::add);
        ArrayNode ops = g.putArray("ops");
        List<int[]> shapes = m.shapes();
        for (int i = 0; i < m.ops().size(); i++) {
            ObjectNode o = describe(m.ops().get(i));
            o.put("index", i);
            o.set("output_shape", arr(shapes.get(i)));
            ops.add(o);
        }
        return g;
    }

    /**
     * Whether two models have the same graph: network, input shape, classes, and every op as {@code model.json}
     * describes it (codes are compared separately, array by array).
     */
    public static boolean sameGraph(IntegerModel a, IntegerModel b) {
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

    /** One op as JSON (without the integer weight and bias arrays, which live in the npz). */
    static ObjectNode describe(Op op) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("name", op.name());
        o.put("type", op.type());
        ArrayNode in = o.putArray("inputs");
        op.inputs().forEach(in::add);
        op.describe(o);
        return o;
    }

    private static Op op(JsonNode o, Map<String, Npz.Array> arrays) throws IOException {
        String name = o.get("name").asText();
        List<Integer> inputs = new ArrayList<>();
        o.get("inputs").forEach(x -> inputs.add(x.asInt()));
        String type = o.get("type").asText();
        Operators.Reader reader = Operators.READERS.get(type);
        if (reader == null) {
            throw new IOException("model.json: unknown op type '" + type + "' at " + name);
        }
        return reader.read(o, name, List.copyOf(inputs), arrays);
    }

    private static ArrayNode arr(int[] v) {
        return OpJson.arr(v);
    }

    private static int[] ints(JsonNode a) {
        return OpJson.ints(a);
    }

    private static float[] floats(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) a.get(i).asDouble();
        }
        return v;
    }

    /** Unchecked wrapper for callers in streams. */
    public static IntegerModel readUnchecked(Path dir) {
        try {
            return read(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
