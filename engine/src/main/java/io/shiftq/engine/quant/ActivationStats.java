package io.shiftq.engine.quant;

/**
 * What calibration saw of one tensor.
 *
 * @param min smallest value seen
 * @param max largest value seen
 * @param sample a strided sample of the values
 * @param count number of values seen
 */
public record ActivationStats(float min, float max, float[] sample, long count) {

    /** Whether the tensor never went below zero (so it can use unsigned codes). */
    public boolean nonNegative() {
        return min >= 0;
    }
}
