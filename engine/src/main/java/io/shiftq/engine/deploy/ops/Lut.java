package io.shiftq.engine.deploy.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import io.shiftq.engine.io.Npz;
import io.shiftq.engine.model.PointwiseFunction;
import io.shiftq.engine.quant.LayerQuant;
import io.shiftq.engine.quant.LookupTables;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A non-linear activation (Sigmoid, HardSigmoid, HardSwish, SiLU, Tanh, GELU, LeakyRelu) as a lookup table indexed by
 * the input code: out = table[x - qmin(input)], 2^inputBits entries built by {@link LookupTables#of} from the
 * function at the input and output exponents. Fake-quant reads the same table, so the three agree by construction.
 *
 * @param name layer name
 * @param inputs the input
 * @param function the function the table holds
 * @param input the quantizer of the codes that index the table
 * @param output the output quantizer
 * @param table output code per input code, from qmin(input) up
 */
public record Lut(
        String name, List<Integer> inputs, PointwiseFunction function, Quantizer input, Quantizer output, long[] table)
        implements Op {
    @Override
    public String type() {
        return "lut";
    }

    static Op build(LayerBuild b) {
        b.requireQuantizedInput();
        PointwiseFunction f = b.layer().pointwise().orElseThrow();
        LayerQuant lq = b.quant();
        Quantizer in = b.value(0);
        if (lq == null || lq.output() == null || in == null) {
            throw new IllegalArgumentException(
                    b.name() + ": a lookup table needs quantized input codes and the plan's output quantizer");
        }
        Quantizer out = Quantizer.of(lq.output());
        return new Lut(b.name(), b.inputs(), f, in, out, table(f, in, out));
    }

    private static long[] table(PointwiseFunction f, Quantizer in, Quantizer out) {
        return LookupTables.of(f, in.bits(), in.signed(), in.exponent(), out.bits(), out.signed(), out.exponent());
    }

    static Op read(JsonNode o, String name, List<Integer> inputs, Map<String, Npz.Array> arrays) throws IOException {
        PointwiseFunction f = new PointwiseFunction(
                PointwiseFunction.Kind.valueOf(o.get("function").asText().toUpperCase(Locale.ROOT)),
                (float) o.path("alpha").asDouble(0),
                (float) o.path("beta").asDouble(0));
        double[] v = OpJson.array(arrays, name + ".table").values();
        long[] table = new long[v.length];
        for (int k = 0; k < v.length; k++) {
            table[k] = (long) v[k];
        }
        return new Lut(name, inputs, f, OpJson.quantizer(o.get("input")), OpJson.quantizer(o.get("output")), table);
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
        long[] y = new long[x.length];
        long qmin = input.qmin();
        for (int k = 0; k < x.length; k++) {
            y[k] = table[(int) (x[k] - qmin)];
        }
        return y;
    }

    @Override
    public double tensorBound(TensorBounds b) {
        long lo = Long.MAX_VALUE;
        long hi = Long.MIN_VALUE;
        for (long v : table) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        b.range(lo, hi);
        return Math.max(Math.max(Math.abs((double) lo), Math.abs((double) hi)), b.inAbs() - input.qmin());
    }

    /** The table as a float64 vector. */
    @Override
    public List<NDArray> tensorConstants(TensorSetup s) {
        double[] v = new double[table.length];
        for (int k = 0; k < v.length; k++) {
            v[k] = table[k];
        }
        return List.of(s.manager().create(v, new Shape(v.length)));
    }

    @Override
    public NDArray forward(TensorRun t) {
        NDArray x = t.input(0);
        NDArray index = x.sub((double) input.qmin()).toType(DataType.INT64, false);
        return t.constant(0).take(index).toType(x.getDataType(), false);
    }

    @Override
    public void header(CHeaderOut h) {
        String p = h.macro();
        h.text("/* " + name + ": " + function.kind().json() + " as a table of " + table.length
                + " output codes indexed by input code - " + p + "_INPUT_QMIN */\n");
        h.quantizer(p + "_INPUT", input);
        h.quantizer(p + "_OUTPUT", output);
        h.array(CTypes.of(output), h.id() + "_table", table);
        h.text("\n");
    }

    private static final String C = """
            static void op_$id(const $in x[$size], $out y[$size])
            {
                for (int k = 0; k < $size; k++) {
                    y[k] = ($out) $id_table[x[k] - $macro_INPUT_QMIN];
                }
            }
            """;

    @Override
    public void source(CSourceOut c) {
        int size = 1;
        for (int d : c.outShape()) {
            size *= d;
        }
        String text = CTemplate.fill(
                C, Map.of("id", c.id(), "in", c.inType(0), "out", c.outType(), "size", size, "macro", c.macro()));
        c.function(function.kind().json(), text, c.buffer(0));
    }

    /** The float function between the input's and the output's quantizers, as ONNX Runtime runs it. */
    @Override
    public String qdq(QdqOut g) {
        String x = g.input(0);
        String y = name + ".f";
        switch (function.kind()) {
            case SIGMOID -> g.node("Sigmoid", List.of(x), y, name);
            case TANH -> g.node("Tanh", List.of(x), y, name);
            case HARD_SIGMOID ->
                g.node(
                        "HardSigmoid",
                        List.of(x),
                        y,
                        name,
                        g.attrFloat("alpha", function.alpha()),
                        g.attrFloat("beta", function.beta()));
            case HARD_SWISH -> {
                // HardSwish needs opset 14; the export is opset 13: x * HardSigmoid(x; 1/6, 1/2).
                g.node(
                        "HardSigmoid",
                        List.of(x),
                        name + ".gate",
                        name + ".gate",
                        g.attrFloat("alpha", 1f / 6),
                        g.attrFloat("beta", 0.5f));
                g.node("Mul", List.of(x, name + ".gate"), y, name);
            }
            case LEAKY_RELU -> g.node("LeakyRelu", List.of(x), y, name, g.attrFloat("alpha", function.alpha()));
            case SILU -> {
                g.node("Sigmoid", List.of(x), name + ".sigmoid", name + ".sigmoid");
                g.node("Mul", List.of(x, name + ".sigmoid"), y, name);
            }
            case GELU -> {
                // x * (erf(x / sqrt 2) + 1) / 2 in opset-13 nodes (Gelu itself needs opset 20).
                g.node(
                        "Mul",
                        List.of(x, g.scalar(name + ".inv_sqrt2", (float) (1 / Math.sqrt(2)))),
                        name + ".s",
                        name + ".s");
                g.node("Erf", List.of(name + ".s"), name + ".erf", name + ".erf");
                g.node("Add", List.of(name + ".erf", g.scalar(name + ".one", 1f)), name + ".p", name + ".p");
                g.node("Mul", List.of(x, name + ".p"), name + ".xp", name + ".xp");
                g.node("Mul", List.of(name + ".xp", g.scalar(name + ".half", 0.5f)), y, name);
            }
        }
        return g.qdq(y, output, name + ".output");
    }

    @Override
    public void aimet(AimetOut a) {
        a.ownOutput(name, output);
    }

    @Override
    public void describe(ObjectNode o) {
        o.put("function", function.kind().json());
        o.put("alpha", function.alpha());
        o.put("beta", function.beta());
        o.set("input", OpJson.quantizer(input));
        o.set("output", OpJson.quantizer(output));
        o.put(
                "table",
                "weights.npz " + name + ".table: " + table.length + " output codes; out = table[x - "
                        + input.qmin() + "], entry k = round_half_up(f((k + " + input.qmin() + ") * 2^-"
                        + input.exponent() + ") * 2^" + output.exponent() + "), f in double, clamped to the output");
    }

    @Override
    public void arrays(Map<String, Npz.Array> out) {
        out.put(name + ".table", Npz.Array.ofLongs(OpJson.intDtype(64), new long[] {table.length}, table));
    }

    @Override
    public Optional<String> exportNote() {
        return Optional.of(name + " (" + function.kind().json() + "): ONNX Runtime computes the function in float32"
                + " between DequantizeLinear and QuantizeLinear (half to even for 8 bits); the table rounds f in"
                + " double half up, so a code can differ by one where f lands next to a half");
    }
}
