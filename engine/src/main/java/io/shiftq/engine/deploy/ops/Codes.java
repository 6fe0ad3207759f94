package io.shiftq.engine.deploy.ops;

import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;

/** The integer arithmetic every scalar kernel shares: shifts with rounding, saturation, requantization. */
public final class Codes {
    private Codes() {}

    /**
     * v >> s with rounding for s > 0 ({@code (v + 2^(s-1)) >> s} half up, {@code v >> s} floor),
     * v << -s for s < 0, saturating at the long range instead of wrapping.
     */
    public static long shiftRight(long v, int s, RoundingMode rounding) {
        if (s == 0) {
            return v;
        }
        if (s > 0) {
            if (s >= 63) {
                if (rounding == RoundingMode.FLOOR) {
                    return v < 0 ? -1 : 0;
                }
                return s == 63 ? (v >= (1L << 62) ? 1 : v < -(1L << 62) ? -1 : 0) : 0;
            }
            return rounding == RoundingMode.HALF_UP ? (v + (1L << (s - 1))) >> s : v >> s;
        }
        int l = -s;
        if (v == 0) {
            return 0;
        }
        if (l >= 63 || Math.abs(v) > (Long.MAX_VALUE >> l)) {
            return v > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
        return v << l;
    }

    /** Clamps to the quantizer's code range. */
    public static long saturate(long v, Quantizer q) {
        return Math.max(q.qmin(), Math.min(q.qmax(), v));
    }

    /** Fused ReLU (on the accumulator), right shift by cut with the rounding, saturation. */
    public static long requantize(long acc, int cut, boolean relu, Quantizer out, RoundingMode rounding) {
        long v = relu ? Math.max(0, acc) : acc;
        return saturate(shiftRight(v, cut, rounding), out);
    }

    /** Moves codes to another exponent: left shift (exact) or rounding right shift, then saturation. */
    public static long[] align(long[] x, int leftShift, Quantizer target, RoundingMode rounding) {
        long[] out = new long[x.length];
        for (int k = 0; k < x.length; k++) {
            out[k] = saturate(shiftRight(x[k], -leftShift, rounding), target);
        }
        return out;
    }

    /** The values as longs. */
    public static long[] toLongs(int[] v) {
        long[] l = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            l[i] = v[i];
        }
        return l;
    }
}
