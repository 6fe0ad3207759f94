package io.shiftq.engine.quant;

import java.util.Locale;

/** How an exponent is chosen for a tensor: the config's {@code rounding} key. */
public enum ExponentRule {
    /** Largest exponent with no overflow. */
    MAX,
    /** Round log2 of the scale; the largest values may clamp. */
    ROUND,
    /** Lowest squared error among exponents around the no-overflow one. */
    MSE,
    /** No-overflow exponent for a percentile of |x| (activations). */
    PERCENTILE;

    /** Parses the config spelling ({@code max}, {@code round}, {@code mse}, {@code percentile}). */
    public static ExponentRule parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("rounding: '" + name + "' is not one of max, round, mse, percentile", e);
        }
    }

    /** The config spelling. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
