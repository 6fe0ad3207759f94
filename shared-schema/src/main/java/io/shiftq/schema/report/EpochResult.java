package io.shiftq.schema.report;

/**
 * One training epoch; accuracies in percent.
 *
 * @param epoch 1-based
 * @param learningRate the rate used during this epoch
 * @param millis wall time of the epoch including evaluation
 */
public record EpochResult(
        int epoch, double trainLoss, double trainAccuracy, double testAccuracy, double learningRate, long millis) {}
