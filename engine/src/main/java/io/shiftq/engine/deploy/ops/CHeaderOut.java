package io.shiftq.engine.deploy.ops;

import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;

/** The header being written, seen from one op: its macro prefix and identifier, and the lines it can add. */
public interface CHeaderOut {
    /** Macro prefix of this op ({@code FEATURES_0}). */
    String macro();

    /** C identifier of this op ({@code features_0}). */
    String id();

    /** Appends text as it is. */
    CHeaderOut text(String s);

    /** {@code #define NAME (v)}. */
    void define(String name, long v);

    /** The quantizer's _BITS, _SIGNED, _EXPONENT, _QMIN and _QMAX macros under the prefix. */
    void quantizer(String prefix, Quantizer q);

    /** The target's accumulator width, or 0 when the model has no target. */
    int accumulatorBits();

    /** A {@code static const} array. */
    void array(String type, String name, long[] v);
}
