package io.shiftq.engine.deploy.ops;

import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;

/** The value ranges the batched executor tracks, seen from one op while it places that op's range. */
public interface TensorBounds {
    /** Largest |value| of input 0 (0 for the network input). */
    double inAbs();

    /** Lower end of input 0's range (0 for the network input). */
    double inLo();

    /** Upper end of input 0's range (0 for the network input). */
    double inHi();

    /** Bound of input k moved by a left shift (right when negative) and saturated to q. */
    double alignedBound(int k, int leftShift, Quantizer q);

    /** Bound of the numerator of floor((x + r) * 2^-s) for |x| up to abs. */
    double shiftBound(double abs, int s);

    /** What the rounding adds before a right shift by s. */
    double offset(int s);

    /** Sets this op's output range to the quantizer's (its lower end 0 under a ReLU). */
    void range(Quantizer q, boolean relu);

    /** Sets this op's output range. */
    void range(double lo, double hi);

    /** For an op that only moves or drops codes: the input's range, and its bound. */
    default double keep() {
        range(inLo(), inHi());
        return inAbs();
    }

    /** Largest |code| of a quantizer. */
    static double range(Quantizer q) {
        return Math.max(Math.abs((double) q.qmin()), Math.abs((double) q.qmax()));
    }
}
