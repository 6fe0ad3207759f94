package io.shiftq.engine.deploy.ops;

import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import java.util.List;

/** The QDQ ONNX graph being built, seen from one op. */
public interface QdqOut {
    /** Name of input k's tensor. */
    String input(int k);

    /** The quantizer input k's codes are in. */
    Quantizer inputQuantizer(int k);

    /** Fake-quantizes tensor x with q into out; returns out. */
    String qdq(String x, Quantizer q, String out);

    /** Adds a node. */
    void node(String opType, List<String> inputs, String output, String name, byte[]... attrs);

    /** An int attribute. */
    byte[] attrInt(String name, long v);

    /** A float attribute. */
    byte[] attrFloat(String name, float v);

    /** An ints attribute. */
    byte[] attrInts(String name, long... v);

    /** Shape [C, H, W] or [F] of input k for one sample. */
    int[] inShape(int k);

    /** A 1-D int64 initializer (shapes, axes, slice bounds); returns its name. */
    String int64s(String name, long... v);

    /** A float scalar initializer; returns its name. */
    String scalar(String name, float v);

    /**
     * Integer codes (int8 when {@code int8}, else int32) as an initializer {@code name_quantized} behind a
     * DequantizeLinear with scale 2^-e (per channel on axis 0 when there are several exponents); returns name.
     */
    String dequantized(String name, long[] shape, long[] codes, boolean int8, int[] exponents);
}
