package io.shiftq.engine.quant;

import io.shiftq.engine.model.PointwiseFunction;

/**
 * The lookup table of a {@link PointwiseFunction} between two power-of-two quantizers: the one table fake-quant, both
 * integer executors and the C reference index by the input code. Here, beside {@link Pow2}, because it is code
 * arithmetic; the model package keeps only the float function.
 */
public final class LookupTables {

    private LookupTables() {}

    /**
     * The table: entry c - qmin(in) holds the output code of input code c, round_half_up(f(c * 2^-inExponent) *
     * 2^outExponent) clamped to the output range. 2^inBits entries.
     */
    public static long[] of(
            PointwiseFunction f,
            int inBits,
            boolean inSigned,
            int inExponent,
            int outBits,
            boolean outSigned,
            int outExponent) {
        if (inBits > 16) {
            throw new IllegalArgumentException(
                    f.kind().json() + ": a lookup table needs an input of at most 16 bits, got " + inBits);
        }
        long qmin = Pow2.qmin(inBits, inSigned);
        long lo = Pow2.qmin(outBits, outSigned);
        long hi = Pow2.qmax(outBits, outSigned);
        long[] t = new long[1 << inBits];
        for (int k = 0; k < t.length; k++) {
            double y = f.apply(Math.scalb((double) (qmin + k), -inExponent));
            t[k] = Math.max(lo, Math.min(hi, (long) Math.floor(Math.scalb(y, outExponent) + 0.5)));
        }
        return t;
    }
}
