package io.shiftq.engine.data;

/**
 * The training and test sets of one dataset.
 *
 * @param name dataset name
 * @param train training images
 * @param test test images
 * @param numClasses number of classes
 */
public record DataSplits(String name, ImageSource train, ImageSource test, int numClasses) {

    /** The same splits cut to at most trainLimit / testLimit images (0 keeps all). */
    public DataSplits limit(int trainLimit, int testLimit) {
        return new DataSplits(name, train.limit(trainLimit), test.limit(testLimit), numClasses);
    }

    /** Both splits, held in memory, resized (see {@link ImageSet#resized}). */
    public DataSplits resized(int height, int width) {
        return new DataSplits(
                name, inMemory(train).resized(height, width), inMemory(test).resized(height, width), numClasses);
    }

    /** Both splits, held in memory, normalized per channel (see {@link ImageSet#normalized}). */
    public DataSplits normalized(float[] mean, float[] std) {
        return new DataSplits(
                name, inMemory(train).normalized(mean, std), inMemory(test).normalized(mean, std), numClasses);
    }

    /** The training images as calibration reads them: with the evaluation transform. */
    public ImageSource calibration() {
        return train.forEvaluation();
    }

    private static ImageSet inMemory(ImageSource s) {
        if (s.heldInMemory()) {
            return s.inMemory();
        }
        throw new IllegalStateException(name(s) + " is transformed image by image as it is decoded, not all at once");
    }

    private static String name(ImageSource s) {
        return s.getClass().getSimpleName();
    }
}
