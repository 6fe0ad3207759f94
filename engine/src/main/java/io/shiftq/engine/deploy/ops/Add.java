package io.shiftq.engine.deploy.ops;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import io.shiftq.engine.io.Npz;
import io.shiftq.engine.model.Shapes;
import io.shiftq.engine.quant.LayerQuant;
import java.util.List;
import java.util.Map;

/**
 * A residual add: both inputs aligned to a wide accumulator, summed, optionally ReLU'd, requantized.
 *
 * @param name layer name
 * @param inputs the two inputs
 * @param align alignment quantizer (the 32-bit accumulator both inputs take)
 * @param alignShifts align - o_input for each input (left shift when positive)
 * @param output output quantizer
 * @param shiftCut align - o: the sum's right shift
 * @param fusedRelu whether a ReLU follows the sum before requantization
 */
public record Add(
        String name,
        List<Integer> inputs,
        Quantizer align,
        int[] alignShifts,
        Quantizer output,
        int shiftCut,
        boolean fusedRelu)
        implements Op {
    @Override
    public String type() {
        return "add";
    }

    static Op build(LayerBuild b) {
        LayerQuant lq = b.quant();
        if (lq == null || lq.input() == null || lq.output() == null) {
            throw new IllegalArgumentException(b.name() + ": the plan has no alignment or output quantizer");
        }
        Quantizer align = Quantizer.of(lq.input());
        Quantizer output = Quantizer.of(lq.output());
        return new Add(
                b.name(),
                b.inputs(),
                align,
                b.alignShifts(align.exponent()),
                output,
                align.exponent() - output.exponent(),
                b.fusedRelu());
    }

    static Op read(JsonNode o, String name, List<Integer> inputs, Map<String, Npz.Array> arrays) {
        return new Add(
                name,
                inputs,
                OpJson.quantizer(o.get("align")),
                OpJson.ints(o.get("align_shifts")),
                OpJson.quantizer(o.get("output")),
                o.get("shift_cut").asInt(),
                o.get("fused_relu").asBoolean());
    }

    @Override
    public int[] outputShape(List<int[]> in) {
        return in.get(0).clone();
    }

    @Override
    public Quantizer valueQuantizer(Quantizer in) {
        return output;
    }

    @Override
    public long[] run(ScalarRun r) {
        long[] x = r.input(0);
        long[] y = r.input(1);
        long[] out = new long[x.length];
        int sa = alignShifts[0];
        int sb = alignShifts[1];
        for (int k = 0; k < out.length; k++) {
            long u = Codes.saturate(Codes.shiftRight(x[k], -sa, r.rounding()), align);
            long v = Codes.saturate(Codes.shiftRight(y[k], -sb, r.rounding()), align);
            out[k] = Codes.requantize(u + v, shiftCut, fusedRelu, output, r.rounding());
        }
        return out;
    }

    @Override
    public double tensorBound(TensorBounds b) {
        double u = b.alignedBound(0, alignShifts[0], align);
        double v = b.alignedBound(1, alignShifts[1], align);
        b.range(output, fusedRelu);
        return u + v + b.offset(shiftCut);
    }

    @Override
    public NDArray forward(TensorRun t) {
        NDArray u = t.shift(t.input(0), 0, -alignShifts[0], align);
        NDArray v = t.shift(t.input(1), 1, -alignShifts[1], align);
        NDArray factor = u.getManager().create(TensorRun.scalar(-shiftCut, t.type()));
        return t.rescale(u.add(v), factor, shiftCut).clip(t.lo(), t.hi());
    }

    @Override
    public void header(CHeaderOut h) {
        String p = h.macro();
        h.text("/* " + name + ": residual add" + (fusedRelu ? ", fused ReLU" : "") + " */\n");
        h.quantizer(p + "_ALIGN", align);
        h.quantizer(p + "_OUTPUT", output);
        for (int k = 0; k < alignShifts.length; k++) {
            h.define(p + "_ALIGN_SHIFT_" + k, alignShifts[k]);
        }
        h.define(p + "_SHIFT_CUT", shiftCut);
        h.define(p + "_FUSED_RELU", fusedRelu ? 1 : 0);
        h.text("\n");
    }

    private static final String C = """
            static void op_$id(const $a a[$n], const $b b[$n], $out y[$n])
            {
                for (int k = 0; k < $n; k++) {
                    const int64_t u = shiftq_align(a[k], $macro_ALIGN_SHIFT_0, $macro_ALIGN_QMIN, $macro_ALIGN_QMAX);
                    const int64_t v = shiftq_align(b[k], $macro_ALIGN_SHIFT_1, $macro_ALIGN_QMIN, $macro_ALIGN_QMAX);
                    y[k] = ($out) shiftq_requantize(u + v, $macro_SHIFT_CUT, $macro_FUSED_RELU, $macro_OUTPUT_QMIN, $macro_OUTPUT_QMAX);
                }
            }
            """;

    /** Both inputs aligned to the wide accumulator quantizer, summed, requantized. */
    @Override
    public void source(CSourceOut c) {
        String text = CTemplate.fill(
                C,
                Map.of(
                        "id", c.id(),
                        "a", c.inType(0),
                        "b", c.inType(1),
                        "out", c.outType(),
                        "n", Shapes.size(c.outShape()),
                        "macro", c.macro()));
        c.function(fusedRelu ? ", fused ReLU" : "", text, c.buffer(0), c.buffer(1));
    }

    @Override
    public String qdq(QdqOut g) {
        String n = name;
        String x = g.qdq(g.input(0), align, n + ".input_0");
        String y = g.qdq(g.input(1), align, n + ".input_1");
        String sum = n + ".sum";
        g.node("Add", List.of(x, y), sum, n);
        if (fusedRelu) {
            g.node("Relu", List.of(sum), n + ".relu", n + ".relu");
            sum = n + ".relu";
        }
        return g.qdq(sum, output, n + ".output");
    }

    @Override
    public void aimet(AimetOut a) {
        a.activation(name + ".output", output);
        a.module(a.outputModule(fusedRelu), "output", output);
    }

    @Override
    public void describe(ObjectNode o) {
        o.set("align", OpJson.quantizer(align));
        o.set("align_shifts", OpJson.arr(alignShifts));
        o.set("output", OpJson.quantizer(output));
        o.put("shift_cut", shiftCut);
        o.put("fused_relu", fusedRelu);
    }

    @Override
    public void arrays(Map<String, Npz.Array> out) {
        out.put(name + ".input_exponent", OpJson.scalar(align.exponent()));
        out.put(name + ".output_exponent", OpJson.scalar(output.exponent()));
        out.put(name + ".align_shift", OpJson.vector(alignShifts));
        out.put(name + ".shift_cut", OpJson.scalar(shiftCut));
    }
}
