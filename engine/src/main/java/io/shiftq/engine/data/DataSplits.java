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
}
