package io.shiftq.engine.deploy.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.engine.io.Npz;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.Shapes;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Channels moved, codes untouched: ShuffleNet's channel shuffle (output channel {@code j * groups + g} is input
 * channel {@code g * (C / groups) + j}) or a channel slice [start, end) (ONNX Split or Slice along channels). No
 * arithmetic, so the output codes are in the input's quantizer and fake-quant, the executors and C agree trivially.
 *
 * @param name layer name
 * @param inputs the input
 * @param kind shuffle or slice
 * @param groups the shuffle's groups (1 for a slice)
 * @param start the slice's first channel (0 for a shuffle)
 * @param end the slice's end, exclusive (0 for a shuffle: all channels)
 */
public record ChannelGather(String name, List<Integer> inputs, Kind kind, int groups, int start, int end)
        implements Op {

    /** Which move. */
    public enum Kind {
        /** A channel shuffle over groups. */
        SHUFFLE,
        /** Channels [start, end). */
        SLICE
    }

    @Override
    public String type() {
        return "channel_gather";
    }

    static Op shuffle(LayerBuild b) {
        b.requireQuantizedInput();
        Layer.ChannelShuffle s = (Layer.ChannelShuffle) b.layer();
        return new ChannelGather(b.name(), b.inputs(), Kind.SHUFFLE, s.groups(), 0, 0);
    }

    static Op slice(LayerBuild b) {
        b.requireQuantizedInput();
        Layer.ChannelSlice s = (Layer.ChannelSlice) b.layer();
        return new ChannelGather(b.name(), b.inputs(), Kind.SLICE, 1, s.start(), s.end());
    }

    static Op read(JsonNode o, String name, List<Integer> inputs, Map<String, Npz.Array> arrays) {
        return new ChannelGather(
                name,
                inputs,
                Kind.valueOf(o.get("kind").asText().toUpperCase(Locale.ROOT)),
                o.get("groups").asInt(),
                o.get("start").asInt(),
                o.get("end").asInt());
    }

    /** For each output channel, the input channel it is, given the input's channel count. */
    public int[] sourceChannels(int inChannels) {
        if (kind == Kind.SLICE) {
            int[] c = new int[end - start];
            for (int o = 0; o < c.length; o++) {
                c[o] = start + o;
            }
            return c;
        }
        int per = inChannels / groups;
        int[] c = new int[inChannels];
        for (int o = 0; o < inChannels; o++) {
            c[o] = (o % groups) * per + o / groups;
        }
        return c;
    }

    @Override
    public int[] outputShape(List<int[]> in) {
        int[] s = in.get(0).clone();
        s[0] = sourceChannels(s[0]).length;
        return s;
    }

    @Override
    public long[] run(ScalarRun r) {
        long[] x = r.input(0);
        int[] s = r.inShape(0);
        int plane = s[1] * s[2];
        int[] c = sourceChannels(s[0]);
        long[] y = new long[c.length * plane];
        for (int o = 0; o < c.length; o++) {
            System.arraycopy(x, c[o] * plane, y, o * plane, plane);
        }
        return y;
    }

    @Override
    public double tensorBound(TensorBounds b) {
        return b.keep();
    }

    @Override
    public NDArray forward(TensorRun t) {
        NDArray x = t.input(0);
        if (kind == Kind.SLICE) {
            return x.get(new NDIndex(":, {}:{}", start, end));
        }
        Shape s = x.getShape();
        return x.reshape(s.get(0), groups, s.get(1) / groups, s.get(2), s.get(3))
                .transpose(0, 2, 1, 3, 4)
                .reshape(s);
    }

    @Override
    public void header(CHeaderOut h) {
        h.text("/* " + name + ": " + describe() + ", codes moved unchanged */\n\n");
    }

    private static final String C = """
            static void op_$id(const $in x[$nin], $out y[$n])
            {
                static const int source[$c] = {$source};
                for (int c = 0; c < $c; c++) {
                    for (int k = 0; k < $plane; k++) {
                        y[c * $plane + k] = x[source[c] * $plane + k];
                    }
                }
            }
            """;

    /** Each output channel copied from its source channel. */
    @Override
    public void source(CSourceOut c) {
        int[] in = c.inShape(0);
        int[] source = sourceChannels(in[0]);
        StringBuilder list = new StringBuilder();
        for (int k = 0; k < source.length; k++) {
            list.append(k == 0 ? "" : ", ").append(source[k]);
        }
        String text = CTemplate.fill(
                C,
                Map.of(
                        "id", c.id(),
                        "in", c.inType(0),
                        "out", c.outType(),
                        "nin", Shapes.size(in),
                        "n", Shapes.size(c.outShape()),
                        "c", source.length,
                        "plane", in[1] * in[2],
                        "source", list));
        c.function(", " + describe(), text, c.buffer(0));
    }

    private String describe() {
        return kind == Kind.SLICE
                ? "channels [" + start + ", " + end + ")"
                : "channel shuffle over " + groups + " groups";
    }

    /** The same move in ONNX: a step-1 Slice, or the exporters' Reshape, Transpose, Reshape. */
    @Override
    public String qdq(QdqOut g) {
        String x = g.input(0);
        if (kind == Kind.SLICE) {
            g.node(
                    "Slice",
                    List.of(
                            x,
                            g.int64s(name + ".starts", start),
                            g.int64s(name + ".ends", end),
                            g.int64s(name + ".axes", 1)),
                    name,
                    name);
            return name;
        }
        int[] s = g.inShape(0);
        String grouped = g.int64s(name + ".grouped", 0, groups, s[0] / groups, s[1], s[2]);
        g.node("Reshape", List.of(x, grouped), name + ".g", name + ".g");
        g.node("Transpose", List.of(name + ".g"), name + ".t", name + ".t", g.attrInts("perm", 0, 2, 1, 3, 4));
        g.node("Reshape", List.of(name + ".t", g.int64s(name + ".back", 0, s[0], s[1], s[2])), name, name);
        return name;
    }

    @Override
    public void describe(ObjectNode o) {
        o.put("kind", kind.name().toLowerCase(Locale.ROOT));
        o.put("groups", groups);
        o.put("start", start);
        o.put("end", end);
    }
}
