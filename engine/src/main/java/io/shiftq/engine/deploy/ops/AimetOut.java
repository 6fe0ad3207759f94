package io.shiftq.engine.deploy.ops;

import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;

/** The AIMET encodings being collected, seen from one op. */
public interface AimetOut {
    /** An activation encoding named by the QDQ export's tensor ({@code L.input}, {@code L.output}). */
    void activation(String tensor, Quantizer q);

    /** An activation quantizer on a module, as aimet-torch places it. */
    void module(String module, String slot, Quantizer q);

    /** A parameter encoding ({@code L.weight}, {@code L.bias}). */
    void param(String name, int bits, int[] exponents);

    /** The module that carries this op's output quantizer: the fused activation reading it, or the op. */
    String outputModule(boolean fusedRelu);

    /** The quantizer this op's output codes are in (null for none). */
    Quantizer value();

    /** The output encoding of an op that carries its own output quantizer: the tensor and the module's slot. */
    default void ownOutput(String module, Quantizer q) {
        activation(module + ".output", q);
        module(module, "output", q);
    }
}
