package io.shiftq.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.nn.ActivationQuantizer;
import io.shiftq.engine.quant.ExponentRule;
import io.shiftq.engine.quant.FakeQuant;
import io.shiftq.engine.quant.TensorQuant;
import io.shiftq.schema.config.OptimizerConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Trained quantization thresholds (TQT, Jain et al., MLSys 2020): one trainable log2 threshold per calibrated input
 * and output quantizer, learned with Adam during QAT.
 *
 * <p>The forward pass uses the integer ceil(log2 t) alone: the scale is 2^ceil(log2 t) / 2^(b-1) signed or
 * 2^ceil(log2 t) / 2^b unsigned, so exponent n = (b - 1 or b) - ceil(log2 t) and every forward is pure power of two,
 * value for value what {@link FakeQuant} gives at that exponent. The backward pass is TQT's: the input's gradient
 * passes straight through inside the range and stops outside it; log2 t gets s·ln2·(round(x/s) - x/s) inside and
 * s·ln2·qmin or s·ln2·qmax outside, the ceil passed straight through.
 */
public final class LearnedThresholds implements ActivationQuantizer {
    private static final float LN2 = (float) Math.log(2);
    private static final int MAX_EXPONENT = 64;

    private final Map<String, TensorQuant> initial;
    private final Map<String, NDArray> log2t = new LinkedHashMap<>();
    private final ParameterOptimizer optimizer;
    private final double learningRate;
    private long updateNanos;

    /**
     * Thresholds started from the calibrated quantizers: log2 t halfway inside the interval whose ceil gives each
     * calibrated exponent, so the first forward pass is the calibrated plan and a step either way is as far.
     *
     * @param calibrated the calibrated input and output quantizers by key ({@code <layer>.input}, {@code .output})
     * @param manager where the thresholds live (they outlive every batch)
     * @param learningRate Adam's learning rate for log2 t
     */
    public LearnedThresholds(Map<String, TensorQuant> calibrated, NDManager manager, double learningRate) {
        this.initial = new LinkedHashMap<>(calibrated);
        this.learningRate = learningRate;
        this.optimizer = ParameterOptimizer.of(new OptimizerConfig("Adam", 0, 0.9, 0.999, 1e-8), 0);
        calibrated.forEach((key, q) -> {
            NDArray t = manager.create(new float[] {span(q) - q.exponent() - 0.5f}, new Shape());
            t.setRequiresGradient(true);
            log2t.put(key, t);
        });
    }

    /** The bits above the binary point of the largest code: b - 1 signed, b unsigned. */
    private static int span(TensorQuant q) {
        return q.signed() ? q.bits() - 1 : q.bits();
    }

    @Override
    public boolean trains() {
        return true;
    }

    /** The current quantizers by key: the calibrated ones at exponent span - ceil(log2 t). */
    public Map<String, TensorQuant> quantizers() {
        Map<String, TensorQuant> out = new LinkedHashMap<>();
        initial.forEach((key, q) ->
                out.put(key, at(q, exponent(q, log2t.get(key).getFloat()))));
        return out;
    }

    private static int exponent(TensorQuant q, float log2t) {
        long n = span(q) - (long) Math.ceil(log2t);
        return (int) Math.max(-MAX_EXPONENT, Math.min(MAX_EXPONENT, n));
    }

    private static TensorQuant at(TensorQuant q, int exponent) {
        return TensorQuant.perTensor(q.bits(), q.signed(), q.rule(), exponent);
    }

    /** How many quantizers now sit at another exponent than calibration chose. */
    public int moved() {
        Map<String, TensorQuant> now = quantizers();
        return (int) initial.keySet().stream()
                .filter(k -> now.get(k).exponent() != initial.get(k).exponent())
                .count();
    }

    @Override
    public NDArray apply(String key, NDArray x, TensorQuant q) {
        NDArray t = key == null ? null : log2t.get(key);
        if (t == null || !EngineSetup.recordsGradients()) {
            return FakeQuant.apply(x, q);
        }
        NDManager m = x.getManager();
        // delta is 0 in value (a float minus itself) with gradient 1: the straight-through estimator of the ceil.
        // 2^n·(1 - ln2·delta) is then exactly 2^n, whose derivative in log2 t is -2^n·ln2, as that of 1/s.
        NDArray delta = t.sub(t.stopGradient()).mul(m.full(new Shape(), LN2));
        NDArray one = m.full(new Shape(), 1f);
        NDArray up = m.full(new Shape(), Math.scalb(1f, q.exponent())).mul(one.sub(delta));
        NDArray down = m.full(new Shape(), Math.scalb(1f, -q.exponent())).mul(one.add(delta));
        NDArray clipped = x.mul(up).clip(q.qmin(), q.qmax());
        NDArray rounded = clipped.add(0.5f).floor();
        return clipped.add(rounded.sub(clipped).stopGradient()).mul(down);
    }

    /** One Adam step on every log2 t from the gradients of the last backward pass, which it then clears. */
    public void step() {
        long t0 = System.nanoTime();
        optimizer.nextStep();
        log2t.forEach((key, t) -> optimizer.update(key, t, learningRate));
        updateNanos += System.nanoTime() - t0;
    }

    /** Milliseconds spent in {@link #step()} so far. */
    public long updateMillis() {
        return updateNanos / 1_000_000;
    }

    /** The key of a threshold whose gradient is not finite, or null when all are. */
    public String nonFiniteGradient() {
        for (Map.Entry<String, NDArray> e : log2t.entrySet()) {
            if (!Float.isFinite(e.getValue().getGradient().getFloat())) {
                return e.getKey() + " threshold gradient";
            }
        }
        return null;
    }

    /** Clears the gradients of a step that is skipped. */
    public void clearGradients() {
        log2t.values().forEach(ParameterOptimizer::clearGradient);
    }

    /** The current log2 thresholds, to restore the best epoch's later. */
    public float[] snapshot() {
        float[] out = new float[log2t.size()];
        int i = 0;
        for (NDArray t : log2t.values()) {
            out[i++] = t.getFloat();
        }
        return out;
    }

    /** Puts back thresholds taken by {@link #snapshot()}. */
    public void restore(float[] values) {
        int i = 0;
        for (NDArray t : log2t.values()) {
            t.set(new float[] {values[i++]});
        }
    }

    /** The quantizers as a state dict for an artifact: one [bits, signed (0/1), exponent, rule] tensor per
     * key (the rule the calibration that started them used). */
    public static StateDict toStateDict(Map<String, TensorQuant> quantizers) {
        Map<String, HeapTensor> out = new LinkedHashMap<>();
        quantizers.forEach((key, q) -> out.put(key, new HeapTensor(new long[] {4}, new float[] {
            q.bits(), q.signed() ? 1 : 0, q.exponent(), q.rule().ordinal()
        })));
        return new StateDict(out);
    }

    /** The quantizers written by {@link #toStateDict}. */
    public static Map<String, TensorQuant> fromStateDict(StateDict stored) {
        Map<String, TensorQuant> out = new LinkedHashMap<>();
        stored.tensors()
                .forEach((key, t) -> out.put(
                        key,
                        TensorQuant.perTensor(
                                (int) t.data()[0], t.data()[1] != 0, ExponentRule.values()[(int) t.data()[3]], (int)
                                        t.data()[2])));
        return out;
    }
}
