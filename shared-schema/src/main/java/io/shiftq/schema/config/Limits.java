package io.shiftq.schema.config;

/**
 * Upper bounds on what one request may ask for, so that no request holds a partition for ever or trains with
 * numbers no optimizer survives. Every service validates against {@link #DEFAULT}; an operator can lower any
 * bound for a service ({@code shiftq.limits.*}), never raise it past the default, because the default is what
 * every reader of the event already enforces.
 *
 * @param maxEpochs FP32 baseline and QAT epochs each: 1000 is far beyond any recipe here (one QAT epoch reaches
 *     its accuracy), yet finite
 * @param maxLearningRate 10: AdamW, Adam and SGD diverge long before; above it a rate is a typo
 * @param maxWeightDecay 1: a decay of 1 per step already erases the weights
 * @param maxEps 1: Adam's eps guards a division; at 1 it already swamps any gradient's second moment
 * @param maxBatchSize 4096 images per batch: beyond the memory a stage container is given
 * @param maxImages train_limit and test_limit: ten million images, far above any data set a stage reads
 * @param maxBatches calibration and evaluation batches: one million
 */
public record Limits(
        int maxEpochs,
        double maxLearningRate,
        double maxWeightDecay,
        double maxEps,
        int maxBatchSize,
        int maxImages,
        int maxBatches) {

    /** The bounds every reader of a request enforces. */
    public static final Limits DEFAULT = new Limits(1000, 10, 1, 1, 4096, 10_000_000, 1_000_000);

    /** These bounds, each no higher than the default's. */
    public Limits {
        if (maxEpochs < 0
                || maxLearningRate <= 0
                || maxWeightDecay < 0
                || maxEps <= 0
                || maxBatchSize < 1
                || maxImages < 0
                || maxBatches < 1) {
            throw new IllegalArgumentException("limits must be positive: " + this);
        }
    }

    /** The tighter of this bound and the default, field by field. */
    public Limits capped() {
        return new Limits(
                Math.min(maxEpochs, DEFAULT.maxEpochs),
                Math.min(maxLearningRate, DEFAULT.maxLearningRate),
                Math.min(maxWeightDecay, DEFAULT.maxWeightDecay),
                Math.min(maxEps, DEFAULT.maxEps),
                Math.min(maxBatchSize, DEFAULT.maxBatchSize),
                Math.min(maxImages, DEFAULT.maxImages),
                Math.min(maxBatches, DEFAULT.maxBatches));
    }
}
