package io.shiftq.engine.train;

/**
 * Where a training run is after one batch.
 *
 * @param epoch 1-based epoch
 * @param epochs epochs in the run
 * @param batch 1-based batch in the epoch
 * @param batches batches per epoch
 * @param loss running mean loss of the epoch
 * @param accuracy running training accuracy of the epoch, percent
 * @param etaSeconds estimated seconds left in the run
 */
public record BatchProgress(
        int epoch, int epochs, int batch, int batches, double loss, double accuracy, double etaSeconds) {

    /** Share of the run done, 0..100. */
    public double percent() {
        return 100.0 * ((epoch - 1) * (double) batches + batch) / ((double) epochs * batches);
    }
}
