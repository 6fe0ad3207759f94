package io.shiftq.engine.pipeline;

import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.quant.ActivationStats;
import io.shiftq.engine.quant.LayerQuant;
import io.shiftq.engine.quant.QuantPlan;
import io.shiftq.engine.quant.TensorQuant;
import io.shiftq.schema.config.TargetLimits;
import io.shiftq.schema.report.Hundredths;
import io.shiftq.schema.report.ModelSize;
import io.shiftq.schema.report.ShiftRecord;
import io.shiftq.schema.report.TargetCheck;
import io.shiftq.schema.report.TensorShift;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Writes a quantization plan down as shift records, the seed's detail entries and model sizes. */
public final class ShiftRecords {
    private ShiftRecords() {}

    /**
     * One record per quantized layer and residual add, in network order.
     *
     * @param stats calibration statistics for activation SQNR, or an empty map
     * @param provisionalBias whether biases were quantized before their input exponent was known
     */
    public static List<ShiftRecord> of(
            Network network,
            QuantPlan plan,
            StateDict weights,
            Map<String, ActivationStats> stats,
            boolean provisionalBias) {
        return of(network, plan, weights, stats, provisionalBias, TargetLimits.NONE);
    }

    /**
     * As {@link #of(Network, QuantPlan, StateDict, Map, boolean)}, each record also checked against a hardware
     * target: the limits it breaks added to its violations, the plan's notes on what the limits moved, and for
     * convolutions and linear layers whose input is quantized the worst-case accumulator bound.
     */
    public static List<ShiftRecord> of(
            Network network,
            QuantPlan plan,
            StateDict weights,
            Map<String, ActivationStats> stats,
            boolean provisionalBias,
            TargetLimits target) {
        List<ShiftRecord> records = unchecked(network, plan, weights, stats, provisionalBias);
        if (target.isNone()) {
            return records;
        }
        List<ShiftRecord> checked = new ArrayList<>();
        for (ShiftRecord r : records) {
            ShiftRecord bounded = r.withTarget(
                    List.of(), plan.notesOf(r.layer()), accumulatorBound(plan.get(r.layer()), weights, r.layer()));
            checked.add(bounded.withTarget(
                    TargetCheck.violations(bounded, target), bounded.targetNotes(), bounded.accumulatorBound()));
        }
        return checked;
    }

    /**
     * The largest {@code sum |w_code| * max|x_code| + |b_code|} over a layer's output channels, or null when the
     * layer has no weight or its input is not quantized yet.
     */
    static Long accumulatorBound(LayerQuant lq, StateDict weights, String layer) {
        if (lq == null || lq.weight() == null || lq.input() == null) {
            return null;
        }
        HeapTensor w = weights.get(layer + ".weight");
        float[] bias =
                weights.has(layer + ".bias") ? weights.get(layer + ".bias").data() : null;
        long xMax = Math.max(Math.abs(lq.input().qmin()), Math.abs(lq.input().qmax()));
        long worst = 0;
        for (int c = 0; c < w.channels(); c++) {
            long sum = 0;
            for (float v : w.channel(c)) {
                sum += Math.abs(IntegerModel.fakeQuantCode(
                        v, lq.weight().exponentOf(c), lq.weight().bits(), true));
            }
            long b = bias == null || lq.bias() == null
                    ? 0
                    : Math.abs(IntegerModel.fakeQuantCode(
                            bias[c], lq.bias().exponentOf(c), lq.bias().bits(), true));
            worst = Math.max(worst, sum * xMax + b);
        }
        return worst;
    }

    private static List<ShiftRecord> unchecked(
            Network network,
            QuantPlan plan,
            StateDict weights,
            Map<String, ActivationStats> stats,
            boolean provisionalBias) {
        List<ShiftRecord> records = new ArrayList<>();
        for (int i = 0; i < network.nodes().size(); i++) {
            Layer layer = network.nodes().get(i).layer();
            LayerQuant lq = plan.get(layer.name());
            if (lq == null) {
                continue;
            }
            String n = layer.name();
            TensorShift w = shift(n + ".weight", lq.weight(), values(weights, n + ".weight"));
            TensorShift b = shift(n + ".bias", lq.bias(), values(weights, n + ".bias"));
            if (b != null && provisionalBias) {
                b = b.asProvisional();
            }
            TensorShift in = shift(n + ".input", lq.input(), sample(stats, n + ".input"));
            TensorShift out = shift(n + ".output", lq.output(), sample(stats, n + ".output"));
            if (layer.windowSumBits().isPresent()) {
                records.add(avgPool(n, layer, out, outputExponent(plan, network.producerOf(i, 0))));
                continue;
            }
            if (layer.pointwise().isPresent()) {
                String type = "LUT " + layer.pointwise().get().kind().json();
                records.add(new ShiftRecord(
                        n, type, null, null, in, out, null, null, 0, ShiftRecord.HALF_UP, List.of(), null));
                continue;
            }
            if (layer.merge().orElse(null) == Layer.Merge.CONCATENATION) {
                List<Integer> shifts = new ArrayList<>();
                for (int k = 0; k < network.nodes().get(i).inputs().size(); k++) {
                    Integer e = outputExponent(plan, network.producerOf(i, k));
                    shifts.add(e == null || out == null ? null : e - out.exponent());
                }
                records.add(new ShiftRecord(
                        n, "Concat", null, null, in, out, 0, null, null, ShiftRecord.HALF_UP, List.of(), shifts));
                continue;
            }
            if (layer.calibratedOutput()) {
                records.add(product(n, out, network, plan, i));
                continue;
            }
            if (layer.merge().orElse(null) == Layer.Merge.SUM) {
                if (in != null) {
                    records.add(ShiftRecord.deriveAdd(
                            n,
                            in,
                            out,
                            List.of(
                                    outputExponent(plan, network.producerOf(i, 0)),
                                    outputExponent(plan, network.producerOf(i, 1))),
                            ShiftRecord.HALF_UP));
                }
                continue;
            }
            records.add(ShiftRecord.derive(
                    n,
                    opType(layer),
                    w,
                    b,
                    in,
                    out,
                    outputExponent(plan, network.producerOf(i, 0)),
                    ShiftRecord.HALF_UP));
        }
        return records;
    }

    /**
     * An average pool: the output holds the exact window sum at the input exponent + ceil(log2(window)), so
     * {@code input_align_shift} is that gain and {@code shift_cut} 0; a window that is not a power of two needs a
     * division, listed under violations so nobody mistakes it for a shift.
     */
    private static ShiftRecord avgPool(String n, Layer p, TensorShift out, Integer producerExponent) {
        List<String> violations = p.windowSumViolations();
        return new ShiftRecord(
                n,
                "AvgPool2d",
                null,
                null,
                null,
                out,
                0,
                null,
                producerExponent == null ? null : p.windowSumBits().getAsInt(),
                ShiftRecord.HALF_UP,
                violations,
                null);
    }

    /**
     * An elementwise product: the product of the two input codes is at the sum of their exponents, so
     * {@code shift_cut} is that sum minus the output exponent (negative: a left shift); nothing is aligned first.
     */
    private static ShiftRecord product(String n, TensorShift out, Network network, QuantPlan plan, int i) {
        Integer a = outputExponent(plan, network.producerOf(i, 0));
        Integer b = outputExponent(plan, network.producerOf(i, 1));
        Integer cut = a == null || b == null || out == null ? null : a + b - out.exponent();
        return new ShiftRecord(n, "Mul", null, null, null, out, cut, null, null, ShiftRecord.HALF_UP, List.of(), null);
    }

    /** FP32 bytes of weights and biases against their quantized bytes at the planned bitwidths. */
    public static ModelSize size(Network network, StateDict weights, QuantPlan plan) {
        long floatBytes = 0;
        long quantBits = 0;
        for (Layer layer : network.quantizedLayers()) {
            LayerQuant lq = plan.get(layer.name());
            for (String p : new String[] {"weight", "bias"}) {
                String key = layer.name() + "." + p;
                if (!weights.has(key)) {
                    continue;
                }
                int count = weights.get(key).size();
                TensorQuant q = lq == null ? null : p.equals("weight") ? lq.weight() : lq.bias();
                floatBytes += 4L * count;
                quantBits += (long) count * (q == null ? 32 : q.bits());
            }
        }
        return ModelSize.of(floatBytes, (quantBits + 7) / 8);
    }

    private static TensorShift shift(String name, TensorQuant q, float[] values) {
        if (q == null) {
            return null;
        }
        Double sqnr = values == null ? null : sqnr(q, values);
        if (q.isPerChannel()) {
            return TensorShift.perChannel(
                    name,
                    q.bits(),
                    q.signed(),
                    q.rule().key(),
                    Arrays.stream(q.channelExponents()).boxed().toList(),
                    sqnr);
        }
        return TensorShift.perTensor(name, q.bits(), q.signed(), q.rule().key(), q.exponent(), sqnr);
    }

    private static double sqnr(TensorQuant q, float[] values) {
        return Hundredths.round(q.sqnrDb(values));
    }

    private static Integer outputExponent(QuantPlan plan, String producer) {
        LayerQuant lq = producer == null ? null : plan.get(producer);
        return lq == null || lq.output() == null ? null : lq.output().exponent();
    }

    private static float[] values(StateDict weights, String key) {
        return weights.has(key) ? weights.get(key).data() : null;
    }

    private static float[] sample(Map<String, ActivationStats> stats, String key) {
        ActivationStats s = stats.get(key);
        return s == null ? null : s.sample();
    }

    private static String opType(Layer layer) {
        return layer.getClass().getSimpleName();
    }
}
