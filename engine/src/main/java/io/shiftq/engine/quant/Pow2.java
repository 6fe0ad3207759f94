package io.shiftq.engine.quant;

import io.shiftq.schema.report.TensorShift;
import java.util.Arrays;

/**
 * Power-of-two quantization arithmetic on plain arrays: codes, exponent rules and error measures.
 *
 * <p>For a tensor x, bitwidth b and exponent n: q = clamp(roundHalfUp(x * 2^n), qmin, qmax) and
 * x ≈ q * 2^-n. Rounding is half up (floor(v + 0.5)) on purpose: it is what an integer
 * requantizer computes with {@code (acc + 2^(s-1)) >> s}, so fake-quant and integer paths agree.
 */
public final class Pow2 {
    /** Widest exponent search; scales outside 2^±64 mean the tensor is all zeros or broken. */
    static final int MAX_EXPONENT = 64;

    private Pow2() {}

    /** Smallest code: -2^(b-1) when signed, 0 when unsigned. */
    public static long qmin(int bits, boolean signed) {
        return signed ? -(1L << (bits - 1)) : 0L;
    }

    /** Largest code: 2^(b-1)-1 when signed, 2^b-1 when unsigned. */
    public static long qmax(int bits, boolean signed) {
        return signed ? (1L << (bits - 1)) - 1 : (1L << bits) - 1;
    }

    /** Round half up, the rule an arithmetic right shift with a +2^(s-1) offset implements. */
    public static double roundHalfUp(double v) {
        return Math.floor(v + 0.5);
    }

    /** The integer code of one value. */
    public static long code(double x, int exponent, int bits, boolean signed) {
        double v = roundHalfUp(Math.scalb(x, exponent));
        return (long) Math.max(qmin(bits, signed), Math.min(qmax(bits, signed), v));
    }

    /** x quantized and brought back to float: q * 2^-n. */
    public static double fakeQuant(double x, int exponent, int bits, boolean signed) {
        return Math.scalb((double) code(x, exponent, bits, signed), -exponent);
    }

    /** True when some value of the tensor would need a code outside the range at exponent n. */
    public static boolean overflows(float min, float max, int exponent, int bits, boolean signed) {
        return roundHalfUp(Math.scalb((double) max, exponent)) > qmax(bits, signed)
                || roundHalfUp(Math.scalb((double) min, exponent)) < qmin(bits, signed);
    }

    /** The "max" rule: the largest exponent whose codes cover [min, max] without clamping. */
    public static int maxRule(float min, float max, int bits, boolean signed) {
        double absMax = Math.max(Math.abs((double) min), Math.abs((double) max));
        if (absMax == 0 || !Double.isFinite(absMax)) {
            return 0;
        }
        int n = (int) Math.floor(Math.log(qmax(bits, signed) / absMax) / Math.log(2));
        while (n < MAX_EXPONENT && !overflows(min, max, n + 1, bits, signed)) {
            n++;
        }
        while (n > -MAX_EXPONENT && overflows(min, max, n, bits, signed)) {
            n--;
        }
        return clampExponent(n);
    }

    /**
     * Keeps exponents within ±64: a near-zero tensor would otherwise ask for 2^130, which is
     * infinite in float32 and turns fake quantization into NaN.
     */
    static int clampExponent(long n) {
        return (int) Math.max(-MAX_EXPONENT, Math.min(MAX_EXPONENT, n));
    }

    /** The "round" rule: n = round(log2(qmax / |x|max)); may clamp the largest values. */
    public static int roundRule(float min, float max, int bits, boolean signed) {
        double absMax = Math.max(Math.abs((double) min), Math.abs((double) max));
        if (absMax == 0 || !Double.isFinite(absMax)) {
            return 0;
        }
        return clampExponent(Math.round(Math.log(qmax(bits, signed) / absMax) / Math.log(2)));
    }

    /**
     * The "mse" rule (as Vitis AI does): try exponents from one coarser than the no-overflow one to
     * three finer, keep the lowest squared error; ties keep the coarser, clamp-free exponent.
     */
    public static int mseRule(float[] x, float min, float max, int bits, boolean signed) {
        int base = maxRule(min, max, bits, signed);
        int best = base;
        double bestErr = Double.MAX_VALUE;
        for (int n = base - 1; n <= base + 3; n++) {
            double err = squaredError(x, n, bits, signed);
            if (err < bestErr) {
                bestErr = err;
                best = n;
            }
        }
        return best;
    }

    /** The "percentile" rule: the no-overflow exponent for the p-th percentile of |x| instead of the max. */
    public static int percentileRule(float[] x, double percentile, int bits, boolean signed) {
        if (x.length == 0) {
            return 0;
        }
        float[] abs = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            abs[i] = Math.abs(x[i]);
        }
        Arrays.sort(abs);
        int idx = (int) Math.min(abs.length - 1, Math.ceil(percentile / 100.0 * abs.length - 1e-9) - 1);
        float clip = abs[Math.max(0, idx)];
        return maxRule(signed ? -clip : 0f, clip, bits, signed);
    }

    /** Chooses an exponent with the named rule over the values (and their true range). */
    public static int choose(
            ExponentRule rule, float[] x, float min, float max, int bits, boolean signed, double percentile) {
        return switch (rule) {
            case MAX -> maxRule(min, max, bits, signed);
            case ROUND -> roundRule(min, max, bits, signed);
            case MSE -> mseRule(x, min, max, bits, signed);
            case PERCENTILE -> percentileRule(x, percentile, bits, signed);
        };
    }

    /** Sum of squared quantization errors at exponent n. */
    public static double squaredError(float[] x, int exponent, int bits, boolean signed) {
        double err = 0;
        for (float v : x) {
            double d = v - fakeQuant(v, exponent, bits, signed);
            err += d * d;
        }
        return err;
    }

    /** Signal-to-quantization-noise ratio in dB: 10 log10(sum x^2 / sum (x - q(x))^2). */
    public static double sqnrDb(float[] x, int exponent, int bits, boolean signed) {
        double signal = 0;
        for (float v : x) {
            signal += (double) v * v;
        }
        double noise = squaredError(x, exponent, bits, signed);
        if (noise == 0) {
            return signal == 0 ? 0 : TensorShift.SQNR_DB_WITHOUT_NOISE;
        }
        return 10 * Math.log10(signal / noise);
    }

    /** Minimum of an array (+inf when empty). */
    public static float min(float[] x) {
        float m = Float.POSITIVE_INFINITY;
        for (float v : x) {
            m = Math.min(m, v);
        }
        return m;
    }

    /** Maximum of an array (-inf when empty). */
    public static float max(float[] x) {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            m = Math.max(m, v);
        }
        return m;
    }
}
