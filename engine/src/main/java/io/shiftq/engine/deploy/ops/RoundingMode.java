package io.shiftq.engine.deploy.ops;

/**
 * How a right shift by s > 0 rounds in the integer executors and the C reference. Not the exponent rule a quantizer
 * picks n with (the config's {@code rounding}): this is how codes are shifted once n is chosen.
 */
public enum RoundingMode {
    /** (v + 2^(s-1)) >> s: round half up, the fake quantizer's floor(x + 0.5). */
    HALF_UP,
    /** v >> s: round toward minus infinity. */
    FLOOR
}
