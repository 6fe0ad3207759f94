package io.shiftq.engine.deploy.ops;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.engine.io.Npz;
import io.shiftq.engine.model.Shapes;
import java.util.List;
import java.util.Map;

/**
 * max(x, 0) on codes; {@code fused} means its producer already applied it (identity here).
 *
 * @param name layer name
 * @param inputs the input
 * @param fused applied by the producer
 */
public record Relu(String name, List<Integer> inputs, boolean fused) implements Op {
    @Override
    public String type() {
        return "relu";
    }

    static Op build(LayerBuild b) {
        b.requireQuantizedInput();
        return new Relu(b.name(), b.inputs(), b.producerFusesRelu());
    }

    static Op read(JsonNode o, String name, List<Integer> inputs, Map<String, Npz.Array> arrays) {
        return new Relu(name, inputs, o.get("fused").asBoolean());
    }

    @Override
    public boolean fusedActivation() {
        return fused;
    }

    @Override
    public int[] outputShape(List<int[]> in) {
        return in.get(0).clone();
    }

    @Override
    public long[] run(ScalarRun r) {
        long[] x = r.input(0);
        if (fused) {
            return x;
        }
        long[] out = new long[x.length];
        for (int k = 0; k < x.length; k++) {
            out[k] = Math.max(0, x[k]);
        }
        return out;
    }

    @Override
    public double tensorBound(TensorBounds b) {
        b.range(Math.max(0, b.inLo()), b.inHi());
        return b.inAbs();
    }

    @Override
    public NDArray forward(TensorRun t) {
        NDArray x = t.input(0);
        return fused ? x : x.maximum(0f);
    }

    private static final String CLAMP = """
            static void op_$id(const $type x[$n], $type y[$n])
            {
                for (int k = 0; k < $n; k++) {
                    y[k] = ($type) shiftq_sat(x[k], 0, $cap);
                }
            }
            """;

    /** ReLU (cap INT64_MAX: max(x, 0)) or clipped ReLU (min(max(x, 0), cap)) on codes, in C. */
    static String clamp(CSourceOut c, String cap) {
        return CTemplate.fill(
                CLAMP, Map.of("id", c.id(), "type", c.outType(), "n", Shapes.size(c.outShape()), "cap", cap));
    }

    @Override
    public void source(CSourceOut c) {
        if (fused) {
            // Same codes in the same layout: it reads its producer's buffer.
            c.alias();
        } else {
            c.function("", clamp(c, "INT64_MAX"), c.buffer(0));
        }
    }

    @Override
    public String qdq(QdqOut g) {
        if (fused) {
            return g.input(0);
        }
        g.node("Relu", List.of(g.input(0)), name, name);
        return name;
    }

    @Override
    public void aimet(AimetOut a) {
        if (!fused && a.value() != null) {
            a.module(name, "output", a.value());
        }
    }

    @Override
    public void describe(ObjectNode o) {
        o.put("fused", fused);
    }
}
