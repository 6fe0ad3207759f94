package io.shiftq.schema.report;

/**
 * One training epoch; accuracies in percent.
 *
 * @param epoch 1-based
 * @param learningRate the rate used during this epoch
 * @param millis wall time of the epoch including evaluation
 * @param skippedSteps steps of this epoch whose loss or gradient was not finite, so no update was applied; null
 *     when every step updated the weights
 */
public record EpochResult(
        int epoch,
        double trainLoss,
        double trainAccuracy,
        double testAccuracy,
        double learningRate,
        long millis,
        Integer skippedSteps) {

    /** An epoch in which every step updated the weights. */
    public EpochResult(
            int epoch, double trainLoss, double trainAccuracy, double testAccuracy, double learningRate, long millis) {
        this(epoch, trainLoss, trainAccuracy, testAccuracy, learningRate, millis, null);
    }
}
