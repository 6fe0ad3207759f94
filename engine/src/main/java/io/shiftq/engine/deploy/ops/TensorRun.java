package io.shiftq.engine.deploy.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;

/** What an op's batched kernel reads while a batch runs through the tensor executor. */
public interface TensorRun {
    /** Input k's codes in this op's float type. */
    NDArray input(int k);

    /** Right shift by s (left when negative) with the executor's rounding, then saturation to q; x read from input k. */
    NDArray shift(NDArray x, int k, int s, Quantizer q);

    /** floor(v * 2^-s + 0.5) for half up and s > 0, else floor(v * 2^-s); factor is 2^-s. */
    NDArray rescale(NDArray v, NDArray factor, int s);

    /** Constant k of this op ({@link Op#tensorConstants}). */
    NDArray constant(int k);

    /** The float type this op computes in. */
    DataType type();

    /** Lower end of this op's output range. */
    double lo();

    /** Upper end of this op's output range. */
    double hi();

    /** A scalar 2^exponent in the given type, as a 0-d array's data. */
    static Number scalar(int exponent, DataType type) {
        return type == DataType.FLOAT32 ? (Number) Math.scalb(1f, exponent) : (Number) Math.scalb(1.0, exponent);
    }
}
