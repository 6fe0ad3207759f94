package io.shiftq.engine.data;

/**
 * The training and test sets of one dataset.
 *
 * @param name dataset name
 * @param train training images
 * @param test test images
 * @param numClasses number of classes
 */
public record DataSplits(String name, ImageSet train, ImageSet test, int numClasses) {

    /** The same splits cut to at most trainLimit / testLimit images (0 keeps all). */
    public DataSplits limit(int trainLimit, int testLimit) {
        return new DataSplits(name, train.limit(trainLimit), test.limit(testLimit), numClasses);
    }

    /** Both splits resized (see {@link ImageSet#resized}). */
    public DataSplits resized(int height, int width) {
        return new DataSplits(name, train.resized(height, width), test.resized(height, width), numClasses);
    }

    /** Both splits normalized per channel (see {@link ImageSet#normalized}). */
    public DataSplits normalized(float[] mean, float[] std) {
        return new DataSplits(name, train.normalized(mean, std), test.normalized(mean, std), numClasses);
    }
}
