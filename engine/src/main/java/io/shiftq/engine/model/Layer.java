package io.shiftq.engine.model;

/** One operation of a network, named as PyTorch names the module ({@code features.0}). */
public sealed interface Layer {

    /** The module name, used for parameter keys ({@code features.0.weight}) and shift records. */
    String name();

    /** Whether the layer has weights that get quantized. */
    default boolean quantized() {
        return false;
    }

    /** 2-D convolution, square kernel, weight [out, in, k, k]. */
    record Conv2d(String name, int inChannels, int outChannels, int kernel, int stride, int padding, boolean bias)
            implements Layer {
        @Override
        public boolean quantized() {
            return true;
        }
    }

    /** Fully connected layer, weight [out, in]. */
    record Linear(String name, int inFeatures, int outFeatures, boolean bias) implements Layer {
        @Override
        public boolean quantized() {
            return true;
        }
    }

    /** Batch normalization over channels; folded into the preceding convolution before quantization. */
    record BatchNorm2d(String name, int channels, float eps, float momentum) implements Layer {}

    /** max(x, 0). */
    record ReLU(String name) implements Layer {}

    /** Max pooling, square window. */
    record MaxPool2d(String name, int kernel, int stride) implements Layer {}

    /** Flattens [N, C, H, W] into [N, C*H*W]. */
    record Flatten(String name) implements Layer {}

    /** Dropout while training, identity otherwise. */
    record Dropout(String name, float p) implements Layer {}

    /** Elementwise sum of two inputs (a residual connection). */
    record Add(String name) implements Layer {}
}
