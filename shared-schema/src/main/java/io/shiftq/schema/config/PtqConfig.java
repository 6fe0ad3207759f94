package io.shiftq.schema.config;

/**
 * Steps 1 and 3, post-training quantization.
 *
 * @param maxEvalBatches test batches per accuracy measurement; 0 = the whole test set
 * @param calibrationBatches training batches that feed activation statistics
 * @param crossLayerEqualization step 1 first rescales the channels of consecutive layers so their
 *     weight ranges match (the float model is unchanged), which per-tensor exponents need after
 *     BatchNorm folding gives every channel its own scale
 * @param biasCorrection step 1 moves each layer's bias by the mean output shift its weight
 *     quantization causes on the calibration batches (empirical bias correction, as in AIMET)
 */
public record PtqConfig(
        int maxEvalBatches, int calibrationBatches, boolean crossLayerEqualization, boolean biasCorrection) {

    /** The whole test set, 50 calibration batches, neither equalization nor bias correction (the seed has none). */
    public static PtqConfig defaults() {
        return new PtqConfig(0, 50, false, false);
    }

    void check(String path, Problems p) {
        p.nonNegative(path + ".max_eval_batches", maxEvalBatches);
        p.atMost(path + ".max_eval_batches", maxEvalBatches, p.limits().maxBatches());
        p.positive(path + ".calibration_batches", calibrationBatches);
        p.atMost(path + ".calibration_batches", calibrationBatches, p.limits().maxBatches());
    }
}
