package io.shiftq.schema.config;

import java.util.List;

/**
 * Steps 1 and 3, post-training quantization.
 *
 * @param maxEvalBatches test batches per accuracy measurement; 0 = the whole test set
 * @param calibrationBatches training batches that feed activation statistics
 * @param crossLayerEqualization the ptq stage first rescales the channels of consecutive layers so their
 *     weight ranges match (the float model is unchanged), which per-tensor exponents need after
 *     BatchNorm folding gives every channel its own scale
 * @param biasCorrection the ptq stage moves each layer's bias by the mean output shift its weight
 *     quantization causes on the calibration batches (empirical bias correction, as in AIMET)
 * @param rounding how the ptq stage rounds weights to their codes: {@code nearest} (half up) or {@code learned}
 *     (AdaRound: each code's up or down learned layer by layer so the layer's output on the calibration
 *     batches matches FP32; the exponents stay those the weight rule chose)
 * @param roundingIterations optimizer steps per layer of {@code rounding: learned}
 */
public record PtqConfig(
        int maxEvalBatches,
        int calibrationBatches,
        boolean crossLayerEqualization,
        boolean biasCorrection,
        String rounding,
        int roundingIterations) {

    /** Half-up rounding, what the integer requantizer computes and what the seed does. */
    public static final String NEAREST = "nearest";
    /** AdaRound's learned up/down rounding. */
    public static final String LEARNED = "learned";
    /** A bound on {@code rounding_iterations}: AdaRound converges in thousands, so more is a typo that holds a stage. */
    public static final int MAX_ROUNDING_ITERATIONS = 100_000;
    /** The values {@code ptq.rounding} takes. */
    public static final List<String> ROUNDINGS = List.of(NEAREST, LEARNED);

    /**
     * The whole test set, 50 calibration batches, neither equalization nor bias correction (the seed has none),
     * nearest rounding, and 1000 steps per layer when learned rounding is asked for.
     */
    public static PtqConfig defaults() {
        return new PtqConfig(0, 50, false, false, NEAREST, 1000);
    }

    /** Whether the ptq stage learns the rounding of the weight codes. */
    public boolean learnedRounding() {
        return LEARNED.equals(rounding);
    }

    void check(String path, Problems p) {
        p.nonNegative(path + ".max_eval_batches", maxEvalBatches);
        p.atMost(path + ".max_eval_batches", maxEvalBatches, p.limits().maxBatches());
        p.positive(path + ".calibration_batches", calibrationBatches);
        p.atMost(path + ".calibration_batches", calibrationBatches, p.limits().maxBatches());
        p.oneOf(path + ".rounding", rounding, ROUNDINGS);
        p.range(path + ".rounding_iterations", roundingIterations, 1, MAX_ROUNDING_ITERATIONS);
    }
}
