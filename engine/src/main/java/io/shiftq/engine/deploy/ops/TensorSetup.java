package io.shiftq.engine.deploy.ops;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/** What an op needs to make its batched kernel's constant arrays, once per run. */
public interface TensorSetup {
    /** The manager that outlives every batch. */
    NDManager manager();

    /** The float type this op computes in. */
    DataType type();

    /** Shape of input k. */
    int[] inShape(int k);

    /** What the rounding adds before a right shift by s. */
    double offset(int s);
}
