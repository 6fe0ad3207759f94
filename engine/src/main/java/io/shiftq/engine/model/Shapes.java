package io.shiftq.engine.model;

/**
 * Per-sample tensor shapes ([C, H, W] or [F]) the layers and integer operators produce: one formula each, used by the
 * ONNX import and the integer model alike.
 */
public final class Shapes {
    private Shapes() {}

    /** Number of values in a tensor of this shape. */
    public static int size(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** A convolution's output: [outChannels, (H + 2p - k) / s + 1, (W + 2p - k) / s + 1]. */
    public static int[] conv(int[] in, int outChannels, int kernel, int stride, int padding) {
        return new int[] {
            outChannels, (in[1] + 2 * padding - kernel) / stride + 1, (in[2] + 2 * padding - kernel) / stride + 1
        };
    }

    /** A pooling window's output (no padding, floor mode): [C, (H - k) / s + 1, (W - k) / s + 1]. */
    public static int[] pool(int[] in, int kernel, int stride) {
        return conv(in, in[0], kernel, stride, 0);
    }
}
