package io.shiftq.engine.data;

/**
 * Labelled images of one shape [C, H, W], read by index: held in memory ({@link ImageSet}) or decoded from files on
 * demand ({@link ImageFolderSet}). Batches ask for the images they need, so a source that decodes on demand keeps only
 * the batches in flight in memory.
 */
public interface ImageSource {

    /** Number of images. */
    int size();

    /** Channels per image. */
    int channels();

    /** Rows per image. */
    int height();

    /** Columns per image. */
    int width();

    /** Class of every image, in index order (labels are small: a folder's labels come from its directory names). */
    int[] labels();

    /** Labels of the images at the given indices. */
    default int[] labelsAt(int[] indices) {
        int[] all = labels();
        int[] out = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            out[i] = all[indices[i]];
        }
        return out;
    }

    /**
     * Pixels of the images at the given indices, packed [n, C, H, W]; safe to call from several threads at once.
     *
     * @param indices which images
     * @param augmentSeed seed of the random training transforms (the shuffle's seed, so an epoch repeats); sources
     *     without random transforms ignore it
     */
    float[] gather(int[] indices, long augmentSeed);

    /** The first n images (all when n is 0 or larger than the source). */
    ImageSource limit(int n);

    /**
     * The same images as evaluation sees them: a training source with random crops and flips gives the evaluation
     * transform here (calibration reads the training images so); other sources return themselves.
     */
    default ImageSource forEvaluation() {
        return this;
    }

    /**
     * Threads that decode batches ahead for {@link Batches}, or null when gathering is a memory copy that needs
     * none.
     */
    default BatchPrefetch prefetch() {
        return null;
    }

    /** Whether the images are already held in memory, so {@link #inMemory()} copies nothing. */
    default boolean heldInMemory() {
        return false;
    }

    /** Every image read into memory at once (tests and tools on small sets; a job streams instead). */
    default ImageSet inMemory() {
        int[] all = new int[size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return new ImageSet(gather(all, 0), labels().clone(), channels(), height(), width());
    }
}
