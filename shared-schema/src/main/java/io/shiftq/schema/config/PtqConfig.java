package io.shiftq.schema.config;

/**
 * Steps 1 and 3, post-training quantization.
 *
 * @param maxEvalBatches test batches per accuracy measurement; 0 = the whole test set
 * @param calibrationBatches training batches that feed activation statistics
 */
public record PtqConfig(int maxEvalBatches, int calibrationBatches) {

    /** The whole test set, 50 calibration batches. */
    public static PtqConfig defaults() {
        return new PtqConfig(0, 50);
    }

    void check(String path, Problems p) {
        p.nonNegative(path + ".max_eval_batches", maxEvalBatches);
        p.positive(path + ".calibration_batches", calibrationBatches);
    }
}
