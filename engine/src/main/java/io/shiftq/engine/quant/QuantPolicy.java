package io.shiftq.engine.quant;

import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.schema.config.QuantizationSpec;
import io.shiftq.schema.config.TargetConfig;
import io.shiftq.schema.config.TensorQuantConfig;
import io.shiftq.schema.report.ShiftRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the config's {@code quantization} section into quantizers for concrete tensors: weights
 * from their values, activations from calibration statistics, biases by the rule
 * bias exponent = weight exponent + input exponent.
 */
public final class QuantPolicy {
    private final QuantizationSpec spec;
    /** Null without a hardware target: then nothing below moves an exponent the rules chose. */
    private final TargetSearch target;

    /** A policy for one config, without a hardware target. */
    public QuantPolicy(QuantizationSpec spec) {
        this(spec, TargetConfig.defaults());
    }

    /** A policy whose exponents also meet the target's limits ({@link TargetSearch}). */
    public QuantPolicy(QuantizationSpec spec, TargetConfig target) {
        this.spec = spec;
        this.target = target.constrains() ? new TargetSearch(target.profile(), target.resolved(), spec) : null;
    }

    /**
     * Checks, from the network alone, that the target can be met at all; throws {@link TargetInfeasibleException}
     * naming the layer and the limit otherwise. Cheap: stages call it before any long work.
     */
    public void checkTarget(Network network) {
        if (target != null) {
            target.checkFeasible(network);
        }
    }

    /** The config it follows. */
    public QuantizationSpec spec() {
        return spec;
    }

    /** Weight quantizer: signed, per tensor or per output channel, exponent by the weight rule. */
    public TensorQuant weight(HeapTensor w) {
        TensorQuantConfig c = spec.weight();
        ExponentRule rule = ExponentRule.parse(c.rounding());
        if (!c.perChannel()) {
            return TensorQuant.perTensor(c.bitwidth(), true, rule, choose(rule, w.data(), c, true));
        }
        int[] e = new int[w.channels()];
        for (int ch = 0; ch < e.length; ch++) {
            e[ch] = choose(rule, w.channel(ch), c, true);
        }
        return TensorQuant.perChannel(c.bitwidth(), true, rule, e);
    }

    /** Bias quantized on its own before the input exponent is known (the ptq and qat stages); provisional. */
    public TensorQuant provisionalBias(HeapTensor b) {
        TensorQuantConfig c = spec.bias();
        ExponentRule rule = ExponentRule.parse(c.rounding());
        return TensorQuant.perTensor(c.bitwidth(), true, rule, choose(rule, b.data(), c, true));
    }

    /** Bias at exponent w + i (per channel when the weight is), so it adds straight into the accumulator. */
    public TensorQuant biasAt(TensorQuant weight, TensorQuant input) {
        int channels = weight.isPerChannel() ? weight.channelExponents().length : 1;
        int[] e = new int[channels];
        for (int c = 0; c < channels; c++) {
            e[c] = weight.exponentOf(c) + input.exponent();
        }
        TensorQuant base = TensorQuant.perTensor(spec.bias().bitwidth(), true, ExponentRule.MAX, 0);
        return weight.isPerChannel()
                ? TensorQuant.perChannel(base.bits(), true, ExponentRule.MAX, e)
                : TensorQuant.perTensor(base.bits(), true, ExponentRule.MAX, e[0]);
    }

    /**
     * Activation quantizer from calibration statistics: unsigned when the config says
     * {@code symmetric: false} and the tensor never went negative (after a ReLU), else signed.
     */
    public TensorQuant activation(ActivationStats s, TensorQuantConfig c) {
        boolean signed = c.symmetric() || !s.nonNegative();
        ExponentRule rule = ExponentRule.parse(c.rounding());
        int n = Pow2.choose(rule, s.sample(), s.min(), s.max(), c.bitwidth(), signed, c.percentile());
        return TensorQuant.perTensor(c.bitwidth(), signed, rule, n);
    }

    /** Steps 1 and 2: weights and provisional biases of every quantized layer, activations in float. */
    public QuantPlan weightPlan(Network network, StateDict weights) {
        Map<String, LayerQuant> layers = new LinkedHashMap<>();
        Map<String, List<String>> notes = new LinkedHashMap<>();
        for (Layer layer : network.quantizedLayers()) {
            String n = layer.name();
            TensorQuant b = weights.has(n + ".bias") ? provisionalBias(weights.get(n + ".bias")) : null;
            layers.put(n, LayerQuant.weightsOnly(targetWeight(n, weights, notes), b));
        }
        return new QuantPlan(layers, notes);
    }

    /** The weight quantizer, moved into the target's limits when there is a target. */
    private TensorQuant targetWeight(String layer, StateDict weights, Map<String, List<String>> notes) {
        HeapTensor w = weights.get(layer + ".weight");
        TensorQuant chosen = weight(w);
        if (target == null) {
            return chosen;
        }
        List<String> lines = new ArrayList<>();
        TensorQuant fitted = target.weight(layer, w, chosen, lines);
        if (!lines.isEmpty()) {
            notes.put(layer, lines);
        }
        return fitted;
    }

    /**
     * The final_ptq stage: every tensor quantized. Weights from their values, each layer's input and output from
     * calibration ({@code <layer>.input}, {@code <layer>.output}), biases at w + i, each
     * residual add aligning its inputs to the coarser of their two output exponents, each concatenation
     * moving its inputs straight to its calibrated output quantizer, each elementwise product requantized to its
     * calibrated output quantizer, and each average pool keeping the
     * exact window sum at its producer's exponent + ceil(log2(window)) (32-bit, signed).
     */
    public QuantPlan fullPlan(Network network, StateDict weights, Map<String, ActivationStats> stats) {
        return constrained(network, unconstrainedFullPlan(network, weights, calibrated(stats)), weights, stats);
    }

    /**
     * The full plan with the given calibrated input and output quantizers (by key, {@code <layer>.input} and {@code
     * <layer>.output}, as {@link #calibratedActivations} returns them) in place of calibration: learned thresholds.
     * Everything derived from them (biases at w + i, an add's alignment, a window sum, a lookup table's input) follows
     * as in {@link #fullPlan(Network, StateDict, Map)}; no hardware target moves them (see {@link #constrained}).
     */
    public QuantPlan learnedPlan(Network network, StateDict weights, Map<String, TensorQuant> activations) {
        return unconstrainedFullPlan(network, weights, (key, c) -> {
            TensorQuant q = activations.get(key);
            if (q == null) {
                throw new IllegalStateException("no learned quantizer for " + key);
            }
            return q;
        });
    }

    /** The calibrated input and output quantizers the full plan takes from these statistics, by key, in model order. */
    public Map<String, TensorQuant> calibratedActivations(
            Network network, StateDict weights, Map<String, ActivationStats> stats) {
        Map<String, TensorQuant> out = new LinkedHashMap<>();
        ActivationSource source = calibrated(stats);
        unconstrainedFullPlan(network, weights, (key, c) -> {
            TensorQuant q = source.of(key, c);
            out.put(key, q);
            return q;
        });
        return out;
    }

    /** The plan moved into the hardware target's limits ({@link TargetSearch}); the plan itself without a target. */
    public QuantPlan constrained(
            Network network, QuantPlan plan, StateDict weights, Map<String, ActivationStats> stats) {
        return target == null ? plan : target.constrain(network, plan, weights, stats);
    }

    /** Where the full plan's calibrated input and output quantizers come from. */
    private interface ActivationSource {
        TensorQuant of(String key, TensorQuantConfig config);
    }

    private ActivationSource calibrated(Map<String, ActivationStats> stats) {
        return (key, c) -> activation(stat(stats, key), c);
    }

    private QuantPlan unconstrainedFullPlan(Network network, StateDict weights, ActivationSource activations) {
        Map<String, LayerQuant> layers = new LinkedHashMap<>();
        Map<String, List<String>> notes = new LinkedHashMap<>();
        for (int i = 0; i < network.nodes().size(); i++) {
            Layer layer = network.nodes().get(i).layer();
            String n = layer.name();
            if (layer.quantized()) {
                TensorQuant w = targetWeight(n, weights, notes);
                TensorQuant in = activations.of(n + ".input", spec.input());
                TensorQuant b = weights.has(n + ".bias") ? biasAt(w, in) : null;
                layers.put(n, new LayerQuant(w, b, in, activations.of(n + ".output", spec.output())));
            } else if (layer.merge().orElse(null) == Layer.Merge.SUM) {
                int align = Math.min(
                        layers.get(network.producerOf(i, 0)).output().exponent(),
                        layers.get(network.producerOf(i, 1)).output().exponent());
                TensorQuant in = TensorQuant.perTensor(ShiftRecord.ACCUMULATOR_BITS, true, ExponentRule.MAX, align);
                layers.put(n, new LayerQuant(null, null, in, activations.of(n + ".output", spec.output())));
            } else if (layer.windowSumBits().isPresent()) {
                String producer = network.producerOf(i, 0);
                if (producer == null) {
                    throw new IllegalArgumentException(n + ": average pooling of the network input is not supported;"
                            + " the integer path pools codes of a quantized layer");
                }
                int sumExponent = layers.get(producer).output().exponent()
                        + layer.windowSumBits().getAsInt();
                TensorQuant sum =
                        TensorQuant.perTensor(ShiftRecord.ACCUMULATOR_BITS, true, ExponentRule.MAX, sumExponent);
                layers.put(n, new LayerQuant(null, null, null, sum));
            } else if (layer.pointwise().isPresent()) {
                // A lookup table reads its producer's codes as they are and writes its own calibrated quantizer.
                String producer = network.producerOf(i, 0);
                if (producer == null) {
                    throw new IllegalArgumentException(n + ": a lookup-table activation of the network input is not"
                            + " supported; the integer path indexes the table with codes of a quantized layer");
                }
                TensorQuant in = layers.get(producer).output();
                layers.put(n, new LayerQuant(null, null, in, activations.of(n + ".output", spec.output())));
            } else if (layer.merge().orElse(null) == Layer.Merge.CONCATENATION) {
                TensorQuant out = activations.of(n + ".output", spec.output());
                layers.put(n, new LayerQuant(null, null, out, out));
            } else if (layer.calibratedOutput()) {
                // An elementwise product reads its inputs' codes as they are: only its output has a quantizer.
                layers.put(n, new LayerQuant(null, null, null, activations.of(n + ".output", spec.output())));
            }
        }
        return new QuantPlan(layers, notes);
    }

    private static ActivationStats stat(Map<String, ActivationStats> stats, String key) {
        ActivationStats s = stats.get(key);
        if (s == null) {
            throw new IllegalStateException("no calibration statistics for " + key);
        }
        return s;
    }

    private static int choose(ExponentRule rule, float[] v, TensorQuantConfig c, boolean signed) {
        return Pow2.choose(rule, v, Pow2.min(v), Pow2.max(v), c.bitwidth(), signed, c.percentile());
    }
}
