package io.shiftq.engine.quant;

/**
 * The quantizers of one layer; a null member is left in float.
 *
 * @param weight weight quantizer
 * @param bias bias quantizer (at exponent weight + input once the input is known)
 * @param input quantizer of the tensor the layer reads (for an add: the alignment both inputs take)
 * @param output quantizer of the layer's output, after a fused ReLU
 */
public record LayerQuant(TensorQuant weight, TensorQuant bias, TensorQuant input, TensorQuant output) {

    /** Weights and biases only: steps 1 and 2. */
    public static LayerQuant weightsOnly(TensorQuant weight, TensorQuant bias) {
        return new LayerQuant(weight, bias, null, null);
    }
}
