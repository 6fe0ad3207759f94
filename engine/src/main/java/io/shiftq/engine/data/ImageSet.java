package io.shiftq.engine.data;

import java.util.Arrays;

/**
 * Labelled images in memory, pixels scaled to [0, 1], layout [N, C, H, W].
 *
 * @param pixels all images, row-major
 * @param labels class of each image
 * @param channels channels per image
 * @param height rows per image
 * @param width columns per image
 */
public record ImageSet(float[] pixels, int[] labels, int channels, int height, int width) {

    /** Checks that pixels and labels agree. */
    public ImageSet {
        if ((long) labels.length * channels * height * width != pixels.length) {
            throw new IllegalArgumentException("images hold " + pixels.length + " values, expected " + labels.length
                    + " x " + channels + "x" + height + "x" + width);
        }
    }

    /** Number of images. */
    public int size() {
        return labels.length;
    }

    /** Values per image. */
    public int imageSize() {
        return channels * height * width;
    }

    /** The first n images (all when n is 0 or larger than the set). */
    public ImageSet limit(int n) {
        if (n <= 0 || n >= size()) {
            return this;
        }
        return new ImageSet(Arrays.copyOf(pixels, n * imageSize()), Arrays.copyOf(labels, n), channels, height, width);
    }

    /** Pixels of the images at the given indices, packed. */
    public float[] gather(int[] indices) {
        int per = imageSize();
        float[] out = new float[indices.length * per];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(pixels, indices[i] * per, out, i * per, per);
        }
        return out;
    }

    /** Labels of the images at the given indices. */
    public int[] labelsAt(int[] indices) {
        int[] out = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            out[i] = labels[indices[i]];
        }
        return out;
    }
}
