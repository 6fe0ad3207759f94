package io.shiftq.engine.quant;

import ai.djl.ndarray.NDArray;

/** Receives the activations a {@code LoadedNetwork} pass shows it, keyed like {@code features.3.input}. */
@FunctionalInterface
public interface ActivationSink {

    /** One tensor of the current batch; the array is only valid during the call. */
    void observe(String key, NDArray x);
}
