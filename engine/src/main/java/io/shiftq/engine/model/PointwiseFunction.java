package io.shiftq.engine.model;

import java.util.Locale;

/**
 * A non-linear function of one value that the integer path runs as a lookup table indexed by the input code: the
 * table holds, for every input code c, round_half_up(f(c * 2^-in) * 2^out) clamped to the output range, f computed in
 * double. Fake-quant, both executors and the C reference use that one table
 * ({@link io.shiftq.engine.quant.LookupTables#of}).
 *
 * @param kind the function
 * @param alpha HardSigmoid's slope, LeakyRelu's negative slope (unused otherwise)
 * @param beta HardSigmoid's offset (unused otherwise)
 */
public record PointwiseFunction(Kind kind, float alpha, float beta) {
    /** The functions a table can hold. */
    public enum Kind {
        /** 1 / (1 + e^-x). */
        SIGMOID,
        /** max(0, min(1, alpha * x + beta)). */
        HARD_SIGMOID,
        /** x * max(0, min(1, x / 6 + 1 / 2)). */
        HARD_SWISH,
        /** x * sigmoid(x) (ONNX: Sigmoid then Mul by the same input). */
        SILU,
        /** tanh(x). */
        TANH,
        /** x * Φ(x), Φ the normal CDF (ONNX Gelu, approximate "none"). */
        GELU,
        /** x for x >= 0, alpha * x below. */
        LEAKY_RELU;

        /** The name written to model.json. */
        public String json() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The function without parameters. */
    public static PointwiseFunction of(Kind kind) {
        return new PointwiseFunction(kind, 0f, 0f);
    }

    /** f(x) in double. */
    public double apply(double x) {
        return switch (kind) {
            case SIGMOID -> 1.0 / (1.0 + Math.exp(-x));
            case HARD_SIGMOID -> Math.max(0.0, Math.min(1.0, alpha * x + beta));
            case HARD_SWISH -> x * Math.max(0.0, Math.min(1.0, x / 6.0 + 0.5));
            case SILU -> x / (1.0 + Math.exp(-x));
            case TANH -> Math.tanh(x);
            case GELU -> 0.5 * x * (1.0 + erf(x / Math.sqrt(2.0)));
            case LEAKY_RELU -> x >= 0 ? x : alpha * x;
        };
    }

    private static final double[] ERF_A = {
        0.185777706184603153, 3.16112374387056560, 113.864154151050156, 377.485237685302021, 3209.37758913846947
    };
    private static final double[] ERF_B = {
        1, 23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062
    };
    private static final double[] ERFC_C = {
        2.15311535474403846e-8,
        0.564188496988670089,
        8.88314979438837594,
        66.1191906371416295,
        298.635138197400131,
        881.952221241769090,
        1712.04761263407058,
        2051.07837782607147,
        1230.33935479799725
    };
    private static final double[] ERFC_D = {
        1,
        15.7449261107098347,
        117.693950891312499,
        537.181101862009858,
        1621.38957456669019,
        3290.79923573345963,
        4362.61909014324716,
        3439.36767414372164,
        1230.33935480374942
    };
    private static final double[] ERFC_P = {
        0.0163153871373020978,
        0.305326634961232344,
        0.360344899949804439,
        0.125781726111229246,
        0.0160837851487422766,
        0.000658749161529837803
    };
    private static final double[] ERFC_Q = {
        1, 2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185
    };

    /** erf(x) by W. J. Cody's rational approximations (CALERF, 1969), three ranges of |x|; Java has no erf. */
    static double erf(double x) {
        double ax = Math.abs(x);
        if (ax < 0.5) {
            double z = x * x;
            return x * horner(ERF_A, z) / horner(ERF_B, z);
        }
        double erfc;
        if (ax < 4.0) {
            erfc = Math.exp(-ax * ax) * horner(ERFC_C, ax) / horner(ERFC_D, ax);
        } else {
            double z = 1.0 / (ax * ax);
            erfc = Math.exp(-ax * ax) / ax * (1.0 / Math.sqrt(Math.PI) - z * horner(ERFC_P, z) / horner(ERFC_Q, z));
        }
        return x < 0 ? erfc - 1.0 : 1.0 - erfc;
    }

    /** c[0] x^(n-1) + ... + c[n-1]. */
    private static double horner(double[] c, double x) {
        double v = 0;
        for (double k : c) {
            v = v * x + k;
        }
        return v;
    }
}
