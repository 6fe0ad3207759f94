package io.shiftq.engine.model;

import java.util.Arrays;

/**
 * A float tensor held in Java memory, row-major (PyTorch layout: conv weights are [out, in, kh, kw]).
 *
 * @param shape dimensions
 * @param data values, row-major
 */
public record HeapTensor(long[] shape, float[] data) {

    /** Checks that the data fills the shape. */
    public HeapTensor {
        if (Arrays.stream(shape).reduce(1, (a, b) -> a * b) != data.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " does not hold " + data.length + " values");
        }
    }

    /** Number of values. */
    public int size() {
        return data.length;
    }

    /** Size of dimension 0: the output channels of a weight. */
    public int channels() {
        return (int) shape[0];
    }

    /** Values of output channel c (a copy). */
    public float[] channel(int c) {
        int per = data.length / channels();
        return Arrays.copyOfRange(data, c * per, (c + 1) * per);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeapTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "HeapTensor" + Arrays.toString(shape);
    }
}
