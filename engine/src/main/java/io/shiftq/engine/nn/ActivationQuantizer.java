package io.shiftq.engine.nn;

import ai.djl.ndarray.NDArray;
import io.shiftq.engine.quant.FakeQuant;
import io.shiftq.engine.quant.TensorQuant;

/**
 * How {@link LoadedNetwork} applies the plan's calibrated input and output quantizers: {@link #FIXED} is plain fake
 * quantization; learned thresholds (TQT) give the same values with a gradient for their own parameters.
 */
public interface ActivationQuantizer {
    /** Plain fake quantization, the quantizer of the plan as it is. */
    ActivationQuantizer FIXED = (key, x, q) -> FakeQuant.apply(x, q);

    /**
     * Quantizes x with q; the result must equal {@link FakeQuant#apply} of the same quantizer value for value.
     *
     * @param key the calibration key ({@code <layer>.input} or {@code <layer>.output}), or null for a quantizer that
     *     is derived from others (the alignment of an add), which no parameter of its own controls
     */
    NDArray apply(String key, NDArray x, TensorQuant q);

    /**
     * Whether gradients should reach the quantizers: then, while gradients are recorded, a lookup-table activation
     * runs its float function (whose output the output quantizer then quantizes) instead of the table, through which
     * no gradient flows.
     */
    default boolean trains() {
        return false;
    }
}
