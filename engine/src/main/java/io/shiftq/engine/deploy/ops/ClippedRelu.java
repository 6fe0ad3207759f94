package io.shiftq.engine.deploy.ops;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import io.shiftq.engine.io.Npz;
import io.shiftq.engine.model.Layer;
import java.util.List;
import java.util.Map;

/**
 * A clipped ReLU on codes: min(max(x, 0), cap), with cap the code of the clip value (6 for ReLU6) in the
 * input's quantizer, computed as the fake quantizer rounds it. {@code fused} means the producer applied the ReLU
 * on its accumulator and requantized, so only the upper clamp is left; min(round(y), round(6)) equals
 * round(min(y, 6)) because rounding is monotone, which keeps the clamp exact.
 *
 * @param name layer name
 * @param inputs the input
 * @param fused ReLU applied by the producer
 * @param max the float clip value
 * @param cap the code of max
 */
public record ClippedRelu(String name, List<Integer> inputs, boolean fused, float max, long cap) implements Op {
    @Override
    public String type() {
        return "clipped_relu";
    }

    static Op build(LayerBuild b) {
        b.requireQuantizedInput();
        Layer.ClippedReLU r = (Layer.ClippedReLU) b.layer();
        boolean fused = b.producerFusesRelu();
        Quantizer q = b.value(0);
        if (q == null) {
            throw new IllegalArgumentException(b.name() + " reads a float tensor");
        }
        double exact = Math.scalb((double) r.max(), q.exponent());
        if (!fused && exact != Math.rint(exact)) {
            throw new IllegalArgumentException(b.name() + ": clip value " + r.max() + " is not a code at exponent "
                    + q.exponent() + "; the integer clamp would not match");
        }
        return new ClippedRelu(
                b.name(),
                b.inputs(),
                fused,
                r.max(),
                IntegerModel.fakeQuantCode(r.max(), q.exponent(), q.bits(), q.signed()));
    }

    static Op read(JsonNode o, String name, List<Integer> inputs, Map<String, Npz.Array> arrays) {
        return new ClippedRelu(
                name,
                inputs,
                o.get("fused").asBoolean(),
                (float) o.get("max").asDouble(),
                o.get("cap").asLong());
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
        long[] out = new long[x.length];
        for (int k = 0; k < x.length; k++) {
            out[k] = Math.max(0, Math.min(cap, x[k]));
        }
        return out;
    }

    @Override
    public double tensorBound(TensorBounds b) {
        b.range(Math.max(0, b.inLo()), Math.min(cap, b.inHi()));
        return b.inAbs();
    }

    @Override
    public NDArray forward(TensorRun t) {
        return t.input(0).clip(t.lo(), t.hi());
    }

    @Override
    public void header(CHeaderOut h) {
        h.text("/* " + name + ": clipped ReLU at " + max + " */\n");
        h.define(h.macro() + "_CAP", cap);
        h.text("\n");
    }

    @Override
    public void source(CSourceOut c) {
        c.function("", Relu.clamp(c, c.macro() + "_CAP"), c.buffer(0));
    }

    @Override
    public String qdq(QdqOut g) {
        Quantizer q = g.inputQuantizer(0);
        String lo = g.scalar(name + ".min", 0f);
        String hi = g.scalar(name + ".max", (float) Math.scalb((double) cap, -q.exponent()));
        g.node("Clip", List.of(g.input(0), lo, hi), name, name);
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
        o.put("max", max);
        o.put("cap", cap);
    }
}
