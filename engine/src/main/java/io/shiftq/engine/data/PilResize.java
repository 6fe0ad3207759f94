package io.shiftq.engine.data;

/**
 * Pillow's {@code Image.resize(size, Image.BILINEAR)} on 8-bit images, the resize torchvision's {@code Resize} and
 * {@code RandomResizedCrop} run on the PIL images its {@code ImageFolder} loads: a triangle filter whose support grows
 * with the reduction factor (antialiasing), coefficients rounded to 22-bit fixed point, a horizontal pass into an
 * 8-bit intermediate image and then a vertical pass, each result rounded half up and clipped to 0..255. Written after
 * Pillow's {@code libImaging/Resample.c} (12.x) so that the bytes are Pillow's. Pillow 13 runs the vertical pass
 * first when the height shrinks much more than the width (python-pillow/Pillow#9549, a speed change whose exact
 * condition is not reproduced here): those resizes differ from it by one level on some pixels, measured in
 * {@code ImageTransformTest}. torchvision's tensor path
 * ({@code antialias=True} on float tensors) computes the same filter in floating point and differs from it by the
 * 8-bit rounding.
 */
final class PilResize {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double ONE = 1 << PRECISION_BITS;

    private PilResize() {}

    /** For each output index along one axis: first source index, number of taps, and ksize fixed-point weights. */
    private record Coefficients(int ksize, int[] bounds, int[] weights) {}

    /**
     * Resizes an interleaved image of {@code channels} bytes per pixel.
     *
     * @param src the image, rows of width * channels bytes
     * @return the image at outW x outH, the same layout
     */
    static byte[] resize(byte[] src, int width, int height, int channels, int outW, int outH) {
        byte[] image = src;
        int w = width;
        int h = height;
        Coefficients vertical = coefficients(height, outH);
        if (outW != width) {
            // Only the rows the vertical pass reads are resized horizontally, as Pillow does.
            int first = vertical.bounds[0];
            int last = vertical.bounds[outH * 2 - 2] + vertical.bounds[outH * 2 - 1];
            image = horizontal(image, w, channels, first, last - first, coefficients(width, outW), outW);
            for (int i = 0; i < outH; i++) {
                vertical.bounds[i * 2] -= first;
            }
            w = outW;
            h = last - first;
        }
        if (outH != height) {
            image = vertical(image, w, channels, vertical, outH);
        } else if (image == src) {
            image = src.clone();
        }
        return image;
    }

    private static Coefficients coefficients(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filterScale; // the triangle filter's support is 1
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] bounds = new int[outSize * 2];
        int[] weights = new int[outSize * ksize];
        double[] k = new double[ksize];
        double ss = 1.0 / filterScale;
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double sum = 0;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            for (int x = 0; x < xmax; x++) {
                k[x] = triangle((x + xmin - center + 0.5) * ss);
                sum += k[x];
            }
            for (int x = 0; x < xmax; x++) {
                double v = sum != 0.0 ? k[x] / sum : k[x];
                weights[xx * ksize + x] = (int) (v < 0 ? -0.5 + v * ONE : 0.5 + v * ONE);
            }
            bounds[xx * 2] = xmin;
            bounds[xx * 2 + 1] = xmax;
        }
        return new Coefficients(ksize, bounds, weights);
    }

    private static double triangle(double x) {
        double a = Math.abs(x);
        return a < 1.0 ? 1.0 - a : 0.0;
    }

    private static byte[] horizontal(
            byte[] in, int inW, int channels, int firstRow, int rows, Coefficients c, int outW) {
        byte[] out = new byte[rows * outW * channels];
        for (int y = 0; y < rows; y++) {
            int row = (y + firstRow) * inW * channels;
            for (int xx = 0; xx < outW; xx++) {
                int xmin = c.bounds[xx * 2];
                int taps = c.bounds[xx * 2 + 1];
                int k = xx * c.ksize;
                for (int ch = 0; ch < channels; ch++) {
                    int ss = 1 << (PRECISION_BITS - 1);
                    for (int x = 0; x < taps; x++) {
                        ss += (in[row + (x + xmin) * channels + ch] & 0xff) * c.weights[k + x];
                    }
                    out[(y * outW + xx) * channels + ch] = clip8(ss);
                }
            }
        }
        return out;
    }

    private static byte[] vertical(byte[] in, int w, int channels, Coefficients c, int outH) {
        int stride = w * channels;
        byte[] out = new byte[outH * stride];
        for (int yy = 0; yy < outH; yy++) {
            int ymin = c.bounds[yy * 2];
            int taps = c.bounds[yy * 2 + 1];
            int k = yy * c.ksize;
            for (int i = 0; i < stride; i++) {
                int ss = 1 << (PRECISION_BITS - 1);
                for (int y = 0; y < taps; y++) {
                    ss += (in[(y + ymin) * stride + i] & 0xff) * c.weights[k + y];
                }
                out[yy * stride + i] = clip8(ss);
            }
        }
        return out;
    }

    private static byte clip8(int v) {
        if (v >= (1 << PRECISION_BITS << 8)) {
            return (byte) 255;
        }
        return v <= 0 ? 0 : (byte) (v >> PRECISION_BITS);
    }
}
