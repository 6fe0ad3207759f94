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
 * The elementwise product of two computed tensors, the second a [C, 1, 1] channel gate broadcast over height and
 * width when it has one value per channel (squeeze-excitation): y = requantize(a * b), the product of the two codes being at exponent
 * e_a + e_b, so one rounding right shift by {@code shiftCut = e_a + e_b - e_out} (a left shift when negative) and
 * saturation give the output codes. Fake-quant multiplies the two fake-quantized values in float32, exact while
 * |a * b| < 2^24, and quantizes the product with the same half-up rounding.
 *
 * @param name layer name
 * @param inputs the two inputs: the map, then the map or the gate
 * @param a quantizer of the first input's codes
 * @param b quantizer of the second input's codes
 * @param output output quantizer
 * @param shiftCut e_a + e_b - e_out
 */
public record Mul(String name, List<Integer> inputs, Quantizer a, Quantizer b, Quantizer output, int shiftCut)
        implements Op {
    @Override
    public String type() {
        return "mul";
    }

    static Op build(LayerBuild b) {
        LayerQuant lq = b.quant();
        Quantizer x = b.value(0);
        Quantizer y = b.value(1);
        if (x == null || y == null) {
            throw new IllegalArgumentException(b.name() + ": Mul multiplies codes of quantized layers; the integer path"
                    + " has no quantizer for the network input or a float tensor here");
        }
        if (lq == null || lq.output() == null) {
            throw new IllegalArgumentException(b.name() + ": the plan has no output quantizer");
        }
        Quantizer out = Quantizer.of(lq.output());
        return new Mul(b.name(), b.inputs(), x, y, out, x.exponent() + y.exponent() - out.exponent());
    }

    static Op read(JsonNode o, String name, List<Integer> inputs, Map<String, Npz.Array> arrays) {
        return new Mul(
                name,
                inputs,
                OpJson.quantizer(o.get("a")),
                OpJson.quantizer(o.get("b")),
                OpJson.quantizer(o.get("output")),
                o.get("shift_cut").asInt());
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
        long[] g = r.input(1);
        int per = x.length / g.length;
        long[] y = new long[x.length];
        for (int k = 0; k < y.length; k++) {
            y[k] = Codes.requantize(x[k] * g[k / per], shiftCut, false, output, r.rounding());
        }
        return y;
    }

    @Override
    public double tensorBound(TensorBounds t) {
        double product = t.alignedBound(0, 0, a) * t.alignedBound(1, 0, b);
        t.range(output, false);
        return product + t.offset(shiftCut);
    }

    @Override
    public NDArray forward(TensorRun t) {
        NDArray x = t.input(0);
        NDArray g = t.input(1);
        // A gate is [N, C, 1, 1]: libtorch broadcasts it over H and W.
        NDArray product = x.mul(g);
        NDArray factor = x.getManager().create(TensorRun.scalar(-shiftCut, t.type()));
        return t.rescale(product, factor, shiftCut).clip(t.lo(), t.hi());
    }

    @Override
    public void header(CHeaderOut h) {
        String p = h.macro();
        h.text("/* " + name + ": elementwise product, requantized by " + p + "_SHIFT_CUT */\n");
        h.quantizer(p + "_A", a);
        h.quantizer(p + "_B", b);
        h.quantizer(p + "_OUTPUT", output);
        h.define(p + "_SHIFT_CUT", shiftCut);
        h.text("\n");
    }

    private static final String C = """
            static void op_$id(const $a a[$n], const $b b[$m], $out y[$n])
            {
                for (int k = 0; k < $n; k++) {
                    const int64_t p = (int64_t) a[k] * (int64_t) b[k / $per];
                    y[k] = ($out) shiftq_requantize(p, $macro_SHIFT_CUT, 0, $macro_OUTPUT_QMIN, $macro_OUTPUT_QMAX);
                }
            }
            """;

    /** The product of the two codes, requantized; the gate's code is read once per channel. */
    @Override
    public void source(CSourceOut c) {
        int n = Shapes.size(c.outShape());
        int m = Shapes.size(c.inShape(1));
        String text = CTemplate.fill(
                C,
                Map.of(
                        "id", c.id(),
                        "a", c.inType(0),
                        "b", c.inType(1),
                        "out", c.outType(),
                        "n", n,
                        "m", m,
                        "per", n / m,
                        "macro", c.macro()));
        c.function(m < n ? ", per-channel gate" : "", text, c.buffer(0), c.buffer(1));
    }

    @Override
    public String qdq(QdqOut g) {
        String y = name + ".product";
        g.node("Mul", List.of(g.input(0), g.input(1)), y, name);
        return g.qdq(y, output, name + ".output");
    }

    @Override
    public void aimet(AimetOut x) {
        x.ownOutput(name, output);
    }

    @Override
    public void describe(ObjectNode o) {
        o.set("a", OpJson.quantizer(a));
        o.set("b", OpJson.quantizer(b));
        o.set("output", OpJson.quantizer(output));
        o.put("shift_cut", shiftCut);
    }

    @Override
    public void arrays(Map<String, Npz.Array> out) {
        out.put(name + ".output_exponent", OpJson.scalar(output.exponent()));
        out.put(name + ".shift_cut", OpJson.scalar(shiftCut));
    }
}
