package io.shiftq.engine.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Fake quantization on DJL arrays with a clipped straight-through estimator.
 *
 * <p>Forward: clamp(floor(x * 2^n + 0.5), qmin, qmax) * 2^-n. Backward: the gradient of the clamp
 * (1 inside [qmin, qmax] * 2^-n, 0 outside), because the rounding residual is added under
 * {@code stopGradient}. Scaling by 2^n is exact in floating point, so the forward values equal the
 * integer codes times 2^-n exactly.
 */
public final class FakeQuant {
    private FakeQuant() {
    }

    /** Applies the quantizer; per-channel exponents broadcast along dimension 0. */
    public static NDArray apply(NDArray x, TensorQuant q) {
        NDArray scaled = q.isPerChannel() ? x.mul(channelScales(x, q, true)) : x.mul(Math.scalb(1f, q.exponent()));
        NDArray clipped = scaled.clip(q.qmin(), q.qmax());
        NDArray rounded = clipped.add(0.5f).floor();
        NDArray code = clipped.add(rounded.sub(clipped).stopGradient());
        return q.isPerChannel() ? code.mul(channelScales(x, q, false)) : code.mul(Math.scalb(1f, -q.exponent()));
    }

    /** Integer codes of x (as floats), no gradient. */
    public static NDArray codes(NDArray x, TensorQuant q) {
        NDArray scaled = q.isPerChannel() ? x.mul(channelScales(x, q, true)) : x.mul(Math.scalb(1f, q.exponent()));
        return scaled.clip(q.qmin(), q.qmax()).add(0.5f).floor().clip(q.qmin(), q.qmax());
    }

    private static NDArray channelScales(NDArray x, TensorQuant q, boolean up) {
        int[] e = q.channelExponents();
        float[] s = new float[e.length];
        for (int c = 0; c < e.length; c++) {
            s[c] = Math.scalb(1f, up ? e[c] : -e[c]);
        }
        long[] shape = new long[x.getShape().dimension()];
        java.util.Arrays.fill(shape, 1);
        shape[0] = e.length;
        return x.getManager().create(s, new Shape(shape));
    }
}
