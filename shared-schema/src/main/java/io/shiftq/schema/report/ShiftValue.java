package io.shiftq.schema.report;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A power-of-two scale written three ways: x ≈ q * 2^-n, so the hardware requantizes with a shift by n.
 *
 * @param exponent n, any integer (negative means a left shift)
 * @param scale exactly 2^-n
 * @param powerOf2 the seed's notation, e.g. {@code 2^(-9)}
 * @param hardwareOp the shift, e.g. {@code x >> 9}, or {@code x << 3} for n = -3
 */
public record ShiftValue(
        int exponent,
        double scale,
        @JsonProperty("power_of_2") String powerOf2,
        String hardwareOp) {

    /** The value for exponent n; n must keep 2^-n a normal, non-zero double. */
    public static ShiftValue of(int n) {
        if (n < -Double.MAX_EXPONENT || n > -Double.MIN_EXPONENT) {
            throw new IllegalArgumentException("exponent " + n + " has no normal double scale 2^-n; expected "
                    + (-Double.MAX_EXPONENT) + ".." + (-Double.MIN_EXPONENT));
        }
        String op = n >= 0 ? "x >> " + n : "x << " + (-n);
        return new ShiftValue(n, Math.scalb(1.0, -n), "2^(" + (-n) + ")", op);
    }
}
