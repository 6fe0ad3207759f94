package io.shiftq.engine.data;

import java.util.Arrays;

/**
 * Labelled images in memory, layout [N, C, H, W]: pixels scaled to [0, 1] as read, or normalized per channel
 * ({@link #normalized}).
 *
 * @param pixels all images, row-major
 * @param labels class of each image
 * @param channels channels per image
 * @param height rows per image
 * @param width columns per image
 */
public record ImageSet(float[] pixels, int[] labels, int channels, int height, int width) implements ImageSource {

    /** Checks that pixels and labels agree. */
    public ImageSet {
        if ((long) labels.length * channels * height * width != pixels.length) {
            throw new IllegalArgumentException("images hold " + pixels.length + " values, expected " + labels.length
                    + " x " + channels + "x" + height + "x" + width);
        }
    }

    /** Number of images. */
    @Override
    public int size() {
        return labels.length;
    }

    /** Values per image. */
    public int imageSize() {
        return channels * height * width;
    }

    /** The first n images (all when n is 0 or larger than the set). */
    @Override
    public ImageSet limit(int n) {
        if (n <= 0 || n >= size()) {
            return this;
        }
        return new ImageSet(Arrays.copyOf(pixels, n * imageSize()), Arrays.copyOf(labels, n), channels, height, width);
    }

    /** Pixels of the images at the given indices, packed (a copy; there are no random transforms to seed). */
    @Override
    public float[] gather(int[] indices, long augmentSeed) {
        return gather(indices);
    }

    /** True: the pixels are this record's array. */
    @Override
    public boolean heldInMemory() {
        return true;
    }

    /** This set: it is in memory already. */
    @Override
    public ImageSet inMemory() {
        return this;
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
    @Override
    public int[] labelsAt(int[] indices) {
        int[] out = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            out[i] = labels[indices[i]];
        }
        return out;
    }

    /**
     * The images with x' = (x - mean[c]) / std[c] per channel, computed once in float32 (as torchvision's
     * {@code Normalize} on a float tensor). Normalizing here, before batches exist, is what makes calibration, QAT,
     * evaluation and the integer executor read identical tensors; the executor's input quantizer then folds it:
     * q = floor(x' * 2^n + 0.5) (see {@code model.json}). Folding it into the first convolution instead would be
     * wrong at the borders: zero padding pads with normalized zeros, which are pixels equal to the mean.
     *
     * @param mean one value per channel, or one value for every channel
     * @param std one positive value per channel, or one value for every channel
     */
    public ImageSet normalized(float[] mean, float[] std) {
        if ((mean.length != channels && mean.length != 1) || mean.length != std.length) {
            throw new IllegalArgumentException("data.normalize: " + mean.length + " means and " + std.length
                    + " stds for images with " + channels + " channels");
        }
        float[] out = new float[pixels.length];
        int plane = height * width;
        for (int i = 0; i < out.length; i++) {
            int c = mean.length == 1 ? 0 : (i / plane) % channels;
            out[i] = (pixels[i] - mean[c]) / std[c];
        }
        return new ImageSet(out, labels, channels, height, width);
    }

    /**
     * The images resized to height x width by bilinear interpolation with half-pixel centres, computed in float32 the
     * way PyTorch's CPU kernel for {@code F.interpolate(x, size, mode="bilinear", align_corners=False)} computes it
     * (and torchvision's {@code Resize(size, antialias=False)} on a float tensor): source coordinate (d + 0.5) *
     * in / out - 0.5, clamped at 0, and the two neighbours along each axis weighted by the fraction. Done once at
     * load time, like {@link #normalized}, so every step reads the same pixels; the same size returns this set.
     */
    public ImageSet resized(int outH, int outW) {
        if (outH == height && outW == width) {
            return this;
        }
        Axis ys = new Axis(height, outH);
        Axis xs = new Axis(width, outW);
        int planes = size() * channels;
        float[] out = new float[planes * outH * outW];
        for (int p = 0; p < planes; p++) {
            int in = p * height * width;
            int at = p * outH * outW;
            for (int y = 0; y < outH; y++) {
                int r0 = in + ys.first[y] * width;
                int r1 = r0 + ys.step[y] * width;
                for (int x = 0; x < outW; x++) {
                    int c0 = xs.first[x];
                    int c1 = c0 + xs.step[x];
                    out[at + y * outW + x] = ys.w0[y] * (xs.w0[x] * pixels[r0 + c0] + xs.w1[x] * pixels[r0 + c1])
                            + ys.w1[y] * (xs.w0[x] * pixels[r1 + c0] + xs.w1[x] * pixels[r1 + c1]);
                }
            }
        }
        return new ImageSet(out, labels, channels, outH, outW);
    }

    /** Per output index along one axis: the first source index, 0 or 1 to the second, and the two weights. */
    private static final class Axis {
        final int[] first;
        final int[] step;
        final float[] w0;
        final float[] w1;

        Axis(int in, int out) {
            first = new int[out];
            step = new int[out];
            w0 = new float[out];
            w1 = new float[out];
            float scale = (float) in / out;
            for (int d = 0; d < out; d++) {
                float src = Math.max(scale * (d + 0.5f) - 0.5f, 0f);
                first[d] = (int) src;
                step[d] = first[d] < in - 1 ? 1 : 0;
                w1[d] = src - first[d];
                w0[d] = 1f - w1[d];
            }
        }
    }
}
