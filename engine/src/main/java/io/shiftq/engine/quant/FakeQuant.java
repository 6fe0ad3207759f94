package io.shiftq.engine.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.shiftq.engine.EngineSetup;
import java.util.Arrays;

/**
 * Fake quantization on DJL arrays with a clipped straight-through estimator.
 *
 * <p>Forward: clamp(floor(x * 2^n + 0.5), qmin, qmax) * 2^-n. Backward: the gradient of the clamp
 * (1 inside [qmin, qmax] * 2^-n, 0 outside), because the rounding residual is added under
 * {@code stopGradient}. Scaling by 2^n is exact in floating point, so the forward values equal the
 * integer codes times 2^-n exactly.
 */
public final class FakeQuant {
    private FakeQuant() {}

    /** Applies the quantizer; per-channel exponents broadcast along dimension 0. */
    public static NDArray apply(NDArray x, TensorQuant q) {
        NDArray clipped = x.mul(scales(x, q, true)).clip(q.qmin(), q.qmax());
        NDArray rounded = clipped.add(0.5f).floor();
        if (!EngineSetup.recordsGradients()) {
            // Evaluation and calibration (no autograd): clipped + (rounded - clipped) is rounded itself, bit for bit
            // (the difference is exact by Sterbenz's lemma and the sum's exact value is representable), so the two
            // ops that only carry the straight-through gradient are left out: a third fewer passes per quantizer.
            return rounded.mul(scales(x, q, false));
        }
        NDArray code = clipped.add(rounded.sub(clipped).stopGradient());
        return code.mul(scales(x, q, false));
    }

    /** Integer codes of x (as floats), no gradient. */
    public static NDArray codes(NDArray x, TensorQuant q) {
        return x.mul(scales(x, q, true))
                .clip(q.qmin(), q.qmax())
                .add(0.5f)
                .floor()
                .clip(q.qmin(), q.qmax());
    }

    /**
     * The factors 2^n (up) or 2^-n as an array in libtorch's own memory. Never {@code
     * x.mul(Number)}: DJL's PyTorch engine wraps the number in a tensor over a Java direct buffer
     * (no copy) and closes it as soon as the product exists, while autograd keeps that tensor for
     * the backward pass; once the garbage collector frees the buffer, backward multiplies by
     * whatever the memory then holds. That was the "non-finite bias gradient with a finite loss"
     * QAT used to hit now and then (timing-dependent, because it waits on a GC).
     */
    private static NDArray scales(NDArray x, TensorQuant q, boolean up) {
        if (!q.isPerChannel()) {
            return x.getManager().full(new Shape(), Math.scalb(1f, up ? q.exponent() : -q.exponent()));
        }
        return channelScales(x, q, up);
    }

    private static NDArray channelScales(NDArray x, TensorQuant q, boolean up) {
        int[] e = q.channelExponents();
        float[] s = new float[e.length];
        for (int c = 0; c < e.length; c++) {
            s[c] = Math.scalb(1f, up ? e[c] : -e[c]);
        }
        long[] shape = new long[x.getShape().dimension()];
        Arrays.fill(shape, 1);
        shape[0] = e.length;
        // duplicate() copies into libtorch-owned memory, for the reason given at scales().
        try (NDArray view = x.getManager().create(s, new Shape(shape))) {
            return view.duplicate();
        }
    }
}
