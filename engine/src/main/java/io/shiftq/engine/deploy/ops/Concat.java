package io.shiftq.engine.deploy.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import io.shiftq.engine.io.Npz;
import io.shiftq.engine.model.Shapes;
import io.shiftq.engine.quant.LayerQuant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Concatenation along channels: each input's codes moved to the output quantizer (left shift when
 * {@code alignShifts[k]} is positive, rounding right shift and saturation otherwise), then laid one after the
 * other.
 *
 * @param name layer name
 * @param inputs the inputs, in order
 * @param alignShifts o - o_input per input
 * @param output output quantizer
 */
public record Concat(String name, List<Integer> inputs, int[] alignShifts, Quantizer output) implements Op {
    @Override
    public String type() {
        return "concat";
    }

    static Op build(LayerBuild b) {
        LayerQuant lq = b.quant();
        if (lq == null || lq.output() == null) {
            throw new IllegalArgumentException(b.name() + ": the plan has no output quantizer");
        }
        Quantizer output = Quantizer.of(lq.output());
        return new Concat(b.name(), b.inputs(), b.alignShifts(output.exponent()), output);
    }

    static Op read(JsonNode o, String name, List<Integer> inputs, Map<String, Npz.Array> arrays) {
        return new Concat(name, inputs, OpJson.ints(o.get("align_shifts")), OpJson.quantizer(o.get("output")));
    }

    @Override
    public int[] outputShape(List<int[]> in) {
        int[] out = in.get(0).clone();
        for (int k = 1; k < in.size(); k++) {
            out[0] += in.get(k)[0];
        }
        return out;
    }

    @Override
    public Quantizer valueQuantizer(Quantizer in) {
        return output;
    }

    @Override
    public long[] run(ScalarRun r) {
        int total = 0;
        for (int k = 0; k < inputs.size(); k++) {
            total += r.input(k).length;
        }
        long[] out = new long[total];
        int at = 0;
        for (int s = 0; s < inputs.size(); s++) {
            long[] x = r.input(s);
            for (int k = 0; k < x.length; k++) {
                out[at + k] = Codes.saturate(Codes.shiftRight(x[k], -alignShifts[s], r.rounding()), output);
            }
            at += x.length;
        }
        return out;
    }

    @Override
    public double tensorBound(TensorBounds b) {
        double bound = 0;
        for (int s = 0; s < inputs.size(); s++) {
            bound = Math.max(bound, b.alignedBound(s, alignShifts[s], output));
        }
        b.range(output, false);
        return bound;
    }

    @Override
    public NDArray forward(TensorRun t) {
        NDList parts = new NDList();
        for (int s = 0; s < inputs.size(); s++) {
            parts.add(t.shift(t.input(s), s, -alignShifts[s], output));
        }
        return NDArrays.concat(parts, 1);
    }

    @Override
    public void header(CHeaderOut h) {
        String p = h.macro();
        h.text("/* " + name + ": concat along channels */\n");
        h.quantizer(p + "_OUTPUT", output);
        for (int k = 0; k < alignShifts.length; k++) {
            h.define(p + "_ALIGN_SHIFT_" + k, alignShifts[k]);
        }
        h.text("\n");
    }

    private static final String COPY = """
                for (int k = 0; k < $len; k++) {
                    y[$at + k] = ($type) shiftq_align($src[k], $macro_ALIGN_SHIFT_$index, $macro_OUTPUT_QMIN, $macro_OUTPUT_QMAX);
                }
            """;

    /** Each input's codes moved to the output quantizer, written to y one after the other. */
    @Override
    public void source(CSourceOut c) {
        StringBuilder params = new StringBuilder();
        StringBuilder body = new StringBuilder();
        List<String> args = new ArrayList<>();
        int at = 0;
        for (int k = 0; k < inputs.size(); k++) {
            int len = Shapes.size(c.inShape(k));
            params.append("const ")
                    .append(c.inType(k))
                    .append(" x")
                    .append(k)
                    .append('[')
                    .append(len)
                    .append("], ");
            body.append(CTemplate.fill(
                    COPY,
                    Map.of("len", len, "at", at, "type", c.outType(), "src", "x" + k, "macro", c.macro(), "index", k)));
            args.add(c.buffer(k));
            at += len;
        }
        String text = "static void op_" + c.id() + "(" + params + c.outType() + " y[" + Shapes.size(c.outShape())
                + "])\n{\n" + body + "}\n";
        c.function("", text, args.toArray(String[]::new));
    }

    @Override
    public String qdq(QdqOut g) {
        List<String> parts = new ArrayList<>();
        for (int k = 0; k < inputs.size(); k++) {
            parts.add(g.qdq(g.input(k), output, name + ".input_" + k));
        }
        g.node("Concat", parts, name, name, g.attrInt("axis", 1));
        return name;
    }

    @Override
    public void aimet(AimetOut a) {
        // aimet-torch's Concat module carries an output quantizer: the shifted codes here.
        a.ownOutput(name, output);
    }

    @Override
    public void describe(ObjectNode o) {
        o.set("align_shifts", OpJson.arr(alignShifts));
        o.set("output", OpJson.quantizer(output));
    }

    @Override
    public void arrays(Map<String, Npz.Array> out) {
        out.put(name + ".output_exponent", OpJson.scalar(output.exponent()));
        out.put(name + ".align_shift", OpJson.vector(alignShifts));
    }
}
