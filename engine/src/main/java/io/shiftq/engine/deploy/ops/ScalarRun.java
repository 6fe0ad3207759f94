package io.shiftq.engine.deploy.ops;

import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;

/** What an op's scalar kernel reads while one sample runs through the integer executor. */
public interface ScalarRun {
    /** Codes of input k. */
    long[] input(int k);

    /** The network input quantized with q (for a layer that reads the float input). */
    long[] networkInput(Quantizer q);

    /** Shape of input k. */
    int[] inShape(int k);

    /** This op's output shape. */
    int[] outShape();

    /** How right shifts round. */
    RoundingMode rounding();
}
