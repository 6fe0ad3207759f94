package io.shiftq.engine.deploy.ops;

import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;

/** The C source being written, seen from one op. */
public interface CSourceOut {
    /** C identifier of this op. */
    String id();

    /** Macro prefix of this op. */
    String macro();

    /** The buffer input k is in ({@code input} for the network input). */
    String buffer(int k);

    /** Element type of input k's buffer. */
    String inType(int k);

    /** Element type of this op's output buffer. */
    String outType();

    /** Shape of input k. */
    int[] inShape(int k);

    /** This op's output shape. */
    int[] outShape();

    /** The smallest C integer type that holds every code of the quantizer. */
    String codeType(Quantizer q);

    /** The target's accumulator width, or 0 when the model has no target. */
    int accumulatorBits();

    /** The C needs {@code shiftq_floor_div(a, b)}, floor(a / b) for b > 0. */
    void useFloorDivision();

    /** This op writes no code of its own: it reads its first input's buffer. */
    void alias();

    /**
     * Adds the op's function (after a comment naming it, its type and the detail) and its call in
     * {@code shiftq_infer} with these arguments and the op's own buffer last.
     */
    void function(String detail, String text, String... args);
}
