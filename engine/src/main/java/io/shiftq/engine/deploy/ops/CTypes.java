package io.shiftq.engine.deploy.ops;

import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;

/** C integer types for codes. */
public final class CTypes {
    private CTypes() {}

    /** The C integer type for signed codes of this bitwidth. */
    public static String signed(int bits) {
        return bits <= 8 ? "int8_t" : bits <= 16 ? "int16_t" : bits <= 32 ? "int32_t" : "int64_t";
    }

    /** The smallest C integer type that holds every code of the quantizer. */
    public static String of(Quantizer q) {
        if (q.bits() > 32) {
            return "int64_t";
        }
        String base = q.bits() <= 8 ? "int8_t" : q.bits() <= 16 ? "int16_t" : "int32_t";
        return q.signed() ? base : "u" + base;
    }
}
