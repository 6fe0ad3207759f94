package io.shiftq.engine.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** One operation of a network, named as PyTorch names the module ({@code features.0}). */
public sealed interface Layer {

    /** The module name, used for parameter keys ({@code features.0.weight}) and shift records. */
    String name();

    /**
     * Calls the visitor's method for this layer's type: the exhaustive dispatch over the float layer types (a new
     * layer type implements this and adds its method to {@link LayerVisitor}, and the compiler lists every visitor
     * that must handle it).
     */
    <R> R accept(LayerVisitor<R> v);

    /** Whether the layer has weights that get quantized. */
    default boolean quantized() {
        return false;
    }

    /**
     * For an average pool, whose output quantizer holds the exact window sum: ceil(log2(window)), the bits its
     * exponent gains over its input's. Empty for every other layer.
     */
    default OptionalInt windowSumBits() {
        return OptionalInt.empty();
    }

    /**
     * For a non-linear activation the integer path runs as a lookup table indexed by its input code: the function.
     * Empty for every other layer.
     */
    default Optional<PointwiseFunction> pointwise() {
        return Optional.empty();
    }

    /**
     * Whether the layer writes its own output quantizer, calibrated on its output, without weights: a concatenation
     * (each input moved to it) and an elementwise product (the product requantized to it).
     */
    default boolean calibratedOutput() {
        return false;
    }

    /** For an average pool: why its integer form needs a division, not a shift alone (empty when it does not). */
    default List<String> windowSumViolations() {
        return List.of();
    }

    /**
     * Whether the layer computes a 32-bit accumulator that is requantized to its output, with a ReLU that follows
     * fused into that requantization: the layers with weights, and a residual add.
     */
    default boolean requantizesAccumulator() {
        return quantized();
    }

    /** Whether hardware fuses this activation into its producer's requantization (ReLU, clipped ReLU). */
    default boolean fusesIntoProducer() {
        return false;
    }

    /**
     * Whether f(s * x) = s * f(x) per channel for every s > 0, so cross-layer equalization may scale across it: ReLU,
     * pooling, dropout and flatten. False unless a layer says so, which stops an equalization pair. A clipped ReLU
     * (ReLU6) does not commute: min(x / s, 6) * s is min(x, 6s) (AIMET replaces ReLU6 by ReLU first, which changes
     * the function; shiftq does not).
     */
    default boolean commutesWithChannelScale() {
        return false;
    }

    /** How a layer with several inputs brings them to one quantizer in the integer path; empty for every other. */
    default Optional<Merge> merge() {
        return Optional.empty();
    }

    /** The parameters of the layer by PyTorch {@code state_dict} name, in that order, with their shapes. */
    default Map<String, long[]> parameterShapes() {
        return Map.of();
    }

    /** Convolution groups (1 for every layer that is not a grouped convolution). */
    default int groups() {
        return 1;
    }

    /** Whether the layer is a depthwise convolution (one group per channel, as many outputs as inputs). */
    default boolean depthwise() {
        return false;
    }

    /** How the inputs of a layer with several meet, see {@link #merge()}. */
    enum Merge {
        /**
         * A residual add: both inputs aligned to the coarser of their producers' output exponents, summed in the
         * accumulator.
         */
        SUM,
        /** A concatenation: each input moved to the layer's own calibrated output quantizer. */
        CONCATENATION
    }

    /**
     * 2-D convolution, square kernel, weight [out, in / groups, k, k]. {@code groups == inChannels == outChannels}
     * is a depthwise convolution.
     */
    record Conv2d(
            String name, int inChannels, int outChannels, int kernel, int stride, int padding, boolean bias, int groups)
            implements Layer {
        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.conv2d(this);
        }

        /** Checks that the channels split into the groups. */
        public Conv2d {
            if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0) {
                throw new IllegalArgumentException(name + ": " + inChannels + " input and " + outChannels
                        + " output channels do not split into " + groups + " groups");
            }
        }

        /** An ungrouped convolution. */
        public Conv2d(String name, int inChannels, int outChannels, int kernel, int stride, int padding, boolean bias) {
            this(name, inChannels, outChannels, kernel, stride, padding, bias, 1);
        }

        @Override
        public boolean depthwise() {
            return groups > 1 && groups == inChannels && groups == outChannels;
        }

        @Override
        public Map<String, long[]> parameterShapes() {
            Map<String, long[]> shapes = new LinkedHashMap<>();
            shapes.put(name + ".weight", new long[] {outChannels, inChannels / groups, kernel, kernel});
            if (bias) {
                shapes.put(name + ".bias", new long[] {outChannels});
            }
            return shapes;
        }

        /** The same convolution with or without a bias. */
        public Conv2d withBias(boolean withBias) {
            return new Conv2d(name, inChannels, outChannels, kernel, stride, padding, withBias, groups);
        }

        @Override
        public boolean quantized() {
            return true;
        }
    }

    /** Fully connected layer, weight [out, in]. */
    record Linear(String name, int inFeatures, int outFeatures, boolean bias) implements Layer {
        @Override
        public Map<String, long[]> parameterShapes() {
            Map<String, long[]> shapes = new LinkedHashMap<>();
            shapes.put(name + ".weight", new long[] {outFeatures, inFeatures});
            if (bias) {
                shapes.put(name + ".bias", new long[] {outFeatures});
            }
            return shapes;
        }

        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.linear(this);
        }

        @Override
        public boolean quantized() {
            return true;
        }
    }

    /** Batch normalization over channels; folded into the preceding convolution before quantization. */
    record BatchNorm2d(String name, int channels, float eps, float momentum) implements Layer {
        @Override
        public Map<String, long[]> parameterShapes() {
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (String p : List.of("weight", "bias", "running_mean", "running_var")) {
                shapes.put(name + "." + p, new long[] {channels});
            }
            return shapes;
        }

        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.batchNorm2d(this);
        }
    }

    /** max(x, 0). */
    record ReLU(String name) implements Layer {
        @Override
        public boolean fusesIntoProducer() {
            return true;
        }

        @Override
        public boolean commutesWithChannelScale() {
            return true;
        }

        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.relu(this);
        }
    }

    /**
     * min(max(x, 0), max): ReLU6 when max is 6 (ONNX {@code Clip(0, 6)}). Fused into its producer like a ReLU; the
     * integer path clamps the requantized codes at the code of max.
     */
    record ClippedReLU(String name, float max) implements Layer {
        @Override
        public boolean fusesIntoProducer() {
            return true;
        }

        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.clippedRelu(this);
        }
    }

    /**
     * Average pooling, square window, no padding (GlobalAveragePool is the window that covers the whole map). Its
     * output quantizer keeps the window sum exact: exponent = input exponent + ceil(log2(kernel^2)), so a window of
     * 2^m values is a sum and nothing else, and any other window is a sum and one rounded division.
     */
    record AvgPool2d(String name, int kernel, int stride) implements Layer {
        @Override
        public boolean commutesWithChannelScale() {
            return true;
        }

        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.avgPool2d(this);
        }

        /** Values summed per output. */
        public int window() {
            return kernel * kernel;
        }

        /** ceil(log2(window)): the exponent the sum gains. */
        public int extraBits() {
            return 32 - Integer.numberOfLeadingZeros(window() - 1);
        }

        /** Whether the division by the window is a shift. */
        public boolean powerOfTwo() {
            return Integer.bitCount(window()) == 1;
        }

        @Override
        public OptionalInt windowSumBits() {
            return OptionalInt.of(extraBits());
        }

        @Override
        public List<String> windowSumViolations() {
            return powerOfTwo()
                    ? List.of()
                    : List.of("window " + kernel + "x" + kernel + " = " + window()
                            + " is not a power of two: the integer path divides the window sum by " + window()
                            + " (rounding half up) after a left shift by " + extraBits() + ", not a shift alone");
        }
    }

    /** Concatenation along channels (dimension 1) of two or more inputs, each moved to the output quantizer. */
    record Concat(String name) implements Layer {
        @Override
        public Optional<Merge> merge() {
            return Optional.of(Merge.CONCATENATION);
        }

        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.concat(this);
        }

        @Override
        public boolean calibratedOutput() {
            return true;
        }
    }

    /** Max pooling, square window. */
    record MaxPool2d(String name, int kernel, int stride) implements Layer {
        @Override
        public boolean commutesWithChannelScale() {
            return true;
        }

        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.maxPool2d(this);
        }
    }

    /** Flattens [N, C, H, W] into [N, C*H*W]. */
    record Flatten(String name) implements Layer {
        @Override
        public boolean commutesWithChannelScale() {
            return true;
        }

        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.flatten(this);
        }
    }

    /** Dropout while training, identity otherwise. */
    record Dropout(String name, float p) implements Layer {
        @Override
        public boolean commutesWithChannelScale() {
            return true;
        }

        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.dropout(this);
        }
    }

    /** Elementwise sum of two inputs (a residual connection). */
    record Add(String name) implements Layer {
        @Override
        public boolean requantizesAccumulator() {
            return true;
        }

        @Override
        public Optional<Merge> merge() {
            return Optional.of(Merge.SUM);
        }

        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.add(this);
        }
    }

    /**
     * Max or average pooling, square window, with zero padding on every side and/or ceil_mode (an output for a
     * partial window at the bottom and right edges), as PyTorch's MaxPool2d/AvgPool2d define them: a pad never wins
     * a max (padding counts as minus infinity), an average divides by the padded window clipped to the padded input
     * when {@code countIncludePad} and by the values inside the input otherwise, and a window that starts in the
     * right or bottom padding is dropped. In integers a max keeps its input's codes; an average keeps the exact
     * window sum at exponent input + ceil(log2(kernel^2)) and divides it by each window's divisor, rounding half up
     * (deploy/ops/PaddedPool).
     */
    record PaddedPool2d(
            String name, boolean max, int kernel, int stride, int padding, boolean ceilMode, boolean countIncludePad)
            implements Layer {
        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.paddedPool2d(this);
        }

        /** Output height or width for an input of this height or width (PyTorch's rule, ceil_mode included). */
        public int outputSize(int in) {
            int span = in + 2 * padding - kernel;
            int out = (ceilMode ? Math.floorDiv(span + stride - 1, stride) : Math.floorDiv(span, stride)) + 1;
            if (ceilMode && (out - 1) * stride >= in + padding) {
                out--; // the last window would start in the right padding
            }
            return out;
        }

        /** ceil(log2(kernel^2)): the exponent an average's window sum gains. */
        public int extraBits() {
            return 32 - Integer.numberOfLeadingZeros(kernel * kernel - 1);
        }

        @Override
        public OptionalInt windowSumBits() {
            return max ? OptionalInt.empty() : OptionalInt.of(extraBits());
        }

        @Override
        public List<String> windowSumViolations() {
            return max
                    ? List.of()
                    : List.of("padded or ceil-mode average pool: each window sum (at the input exponent + "
                            + extraBits() + ") is divided by its own count ("
                            + (countIncludePad ? "padding included" : "values inside the input")
                            + "), rounding half up, not a shift alone");
        }
    }

    /** 1 / (1 + e^-x). Read from ONNX; in integers a lookup table (deploy/ops/Lut). */
    record Sigmoid(String name) implements Layer {
        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.sigmoid(this);
        }

        @Override
        public Optional<PointwiseFunction> pointwise() {
            return Optional.of(PointwiseFunction.of(PointwiseFunction.Kind.SIGMOID));
        }
    }

    /** max(0, min(1, alpha * x + beta)); PyTorch's Hardsigmoid is alpha 1/6, beta 1/2. A lookup table in integers. */
    record HardSigmoid(String name, float alpha, float beta) implements Layer {
        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.hardSigmoid(this);
        }

        @Override
        public Optional<PointwiseFunction> pointwise() {
            return Optional.of(new PointwiseFunction(PointwiseFunction.Kind.HARD_SIGMOID, alpha, beta));
        }
    }

    /** x * max(0, min(1, x / 6 + 1 / 2)). A lookup table in integers. */
    record HardSwish(String name) implements Layer {
        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.hardSwish(this);
        }

        @Override
        public Optional<PointwiseFunction> pointwise() {
            return Optional.of(PointwiseFunction.of(PointwiseFunction.Kind.HARD_SWISH));
        }
    }

    /** Any other {@link PointwiseFunction} (Tanh, GELU, LeakyRelu, SiLU): float here, a lookup table in integers. */
    record Pointwise(String name, PointwiseFunction function) implements Layer {
        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.pointwise(this);
        }

        @Override
        public Optional<PointwiseFunction> pointwise() {
            return Optional.of(function);
        }
    }

    /**
     * Elementwise product of two computed tensors, the second broadcast over height and width when it is [C, 1, 1]
     * (squeeze-excitation's channel gate). In integers the product of the two codes is at the sum of their exponents
     * and one rounding shift takes it to the calibrated output quantizer (deploy/ops/Mul).
     */
    record Mul(String name) implements Layer {
        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.mul(this);
        }

        @Override
        public boolean calibratedOutput() {
            return true;
        }
    }

    /**
     * ShuffleNet's channel shuffle: [N, C, H, W] viewed as [N, groups, C / groups, H, W], the two group axes
     * swapped, viewed back, so output channel {@code j * groups + g} is input channel {@code g * (C / groups) + j}.
     * A permutation of channels: no arithmetic; in integers the codes move (deploy/ops/ChannelGather).
     */
    record ChannelShuffle(String name, int groups) implements Layer {
        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.channelShuffle(this);
        }
    }

    /**
     * Channels [start, end) of a [N, C, H, W] tensor (ONNX Split or Slice along axis 1); in integers the codes move
     * (deploy/ops/ChannelGather).
     */
    record ChannelSlice(String name, int start, int end) implements Layer {
        @Override
        public <R> R accept(LayerVisitor<R> v) {
            return v.channelSlice(this);
        }
    }
}
