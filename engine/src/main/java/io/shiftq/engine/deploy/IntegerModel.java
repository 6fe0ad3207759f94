package io.shiftq.engine.deploy;

import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.quant.LayerQuant;
import io.shiftq.engine.quant.Pow2;
import io.shiftq.engine.quant.QuantPlan;
import io.shiftq.engine.quant.TensorQuant;
import java.util.ArrayList;
import java.util.List;

/**
 * A fully quantized network as integers: integer weight and bias codes, per-tensor activation
 * quantizers and the shifts between them. It is what {@link ModelFiles} writes to
 * {@code weights.npz} + {@code model.json} and what {@link IntegerExecutor} runs.
 *
 * <p>Conventions: a quantizer with exponent n holds x ≈ q · 2^-n. {@code shiftCut} is a right
 * shift (w + i - o) of the accumulator; alignment shifts ({@code inputAlignShift},
 * {@code alignShifts}) are target exponent minus source exponent, i.e. a <em>left</em> shift when
 * positive and a rounding right shift by the negated value when negative.
 *
 * @param network architecture name
 * @param inputShape [C, H, W] of one sample
 * @param numClasses length of the last op's output
 * @param ops one op per node of the folded network, in execution order
 * @param normalization the per-channel normalization the float input has had before the first quantizer, or null
 */
public record IntegerModel(
        String network, int[] inputShape, int numClasses, List<Op> ops, InputNormalization normalization) {

    /**
     * x = (pixel - mean[c]) / std[c] on pixels in [0, 1], computed in float32 before the input quantizer: what the
     * model was trained and quantized with ({@code data.normalize}). The executor takes x; a device folds it into its
     * input quantizer, q = floor(x * 2^n + 0.5), e.g. as a 256-entry table per channel for 8-bit pixels.
     *
     * @param mean one per channel (or one for all)
     * @param std one per channel (or one for all)
     */
    public record InputNormalization(float[] mean, float[] std) {}

    /** The same model, recording the input normalization. */
    public IntegerModel withNormalization(InputNormalization n) {
        return new IntegerModel(network, inputShape, numClasses, ops, n);
    }

    /** Index used for the network input in {@link Op#inputs()}. */
    public static final int INPUT = Network.INPUT;

    /**
     * A per-tensor activation quantizer.
     *
     * @param bits bitwidth
     * @param signed two's complement or unsigned codes
     * @param exponent n, scale 2^-n
     */
    public record Quantizer(int bits, boolean signed, int exponent) {
        /** Smallest code. */
        public long qmin() {
            return Pow2.qmin(bits, signed);
        }

        /** Largest code. */
        public long qmax() {
            return Pow2.qmax(bits, signed);
        }

        static Quantizer of(TensorQuant q) {
            if (q.isPerChannel()) {
                throw new IllegalArgumentException("activation quantizers must be per tensor, got " + q);
            }
            return new Quantizer(q.bits(), q.signed(), q.exponent());
        }
    }

    /** One node of the integer graph. */
    public sealed interface Op {
        /** Layer name (PyTorch module name). */
        String name();

        /** Indices of the ops read ({@link #INPUT} = network input). */
        List<Integer> inputs();

        /** Op type as written to model.json. */
        String type();
    }

    /**
     * A layer's geometry: input and output channels (features for a linear layer), square kernel, stride, zero
     * padding and channel groups (1 for a plain convolution, the channel count for a depthwise one).
     */
    public record Geometry(int inChannels, int outChannels, int kernel, int stride, int padding, int groups) {
        /** An ungrouped layer. */
        public Geometry(int inChannels, int outChannels, int kernel, int stride, int padding) {
            this(inChannels, outChannels, kernel, stride, padding, 1);
        }

        /** A fully connected layer: kernel 1, stride 1, no padding. */
        public static Geometry linear(int inFeatures, int outFeatures) {
            return new Geometry(inFeatures, outFeatures, 1, 1, 0);
        }

        /** Input channels each output channel reads. */
        public int inPerGroup() {
            return inChannels / groups;
        }
    }

    /**
     * Signed weight codes.
     *
     * @param codes PyTorch layout [out, in, k, k] or [out, in]
     * @param bits bitwidth
     * @param exponents one exponent (per tensor) or one per output channel
     */
    public record WeightCodes(int[] codes, int bits, int[] exponents) {
        /** Exponent of output channel c. */
        public int exponent(int c) {
            return exponents.length == 1 ? exponents[0] : exponents[c];
        }
    }

    /**
     * Signed bias codes, one per output channel, at exponent w_c + i so they add straight into the accumulator.
     *
     * @param bits bitwidth
     * @param exponents w_c + i per output channel
     */
    public record BiasCodes(long[] codes, int bits, int[] exponents) {}

    /**
     * A convolution ({@code type = "conv"}) or fully connected layer ({@code type = "linear"}).
     *
     * @param name layer name
     * @param type "conv" or "linear"
     * @param inputs the one input
     * @param geometry channels, kernel, stride, padding
     * @param weights weight codes and exponents
     * @param biases bias codes and exponents, or null for a layer without bias
     * @param input the input quantizer
     * @param inputAlignShift i - o_prev (left shift when positive), or null when the layer reads
     *     the float network input and quantizes it itself
     * @param output output quantizer (after the fused ReLU)
     * @param shiftCut w_c + i - o per output channel: the accumulator's right shift
     * @param fusedRelu whether a ReLU is applied to the accumulator before requantization
     */
    public record Weighted(
            String name,
            String type,
            List<Integer> inputs,
            Geometry geometry,
            WeightCodes weights,
            BiasCodes biases,
            Quantizer input,
            Integer inputAlignShift,
            Quantizer output,
            int[] shiftCut,
            boolean fusedRelu)
            implements Op {
        /** Whether this is a convolution. */
        public boolean isConv() {
            return type.equals("conv");
        }

        /** The weight tensor's shape, PyTorch layout: [out, in / groups, k, k] or [out, in]. */
        public long[] weightShape() {
            return isConv()
                    ? new long[] {geometry.outChannels(), geometry.inPerGroup(), geometry.kernel(), geometry.kernel()}
                    : new long[] {geometry.outChannels(), geometry.inChannels()};
        }
    }

    /**
     * A residual add: both inputs aligned to a wide accumulator, summed, optionally ReLU'd,
     * requantized.
     *
     * @param name layer name
     * @param inputs the two inputs
     * @param align alignment quantizer (the 32-bit accumulator both inputs take)
     * @param alignShifts align - o_input for each input (left shift when positive)
     * @param output output quantizer
     * @param shiftCut align - o: the sum's right shift
     * @param fusedRelu whether a ReLU follows the sum before requantization
     */
    public record Add(
            String name,
            List<Integer> inputs,
            Quantizer align,
            int[] alignShifts,
            Quantizer output,
            int shiftCut,
            boolean fusedRelu)
            implements Op {
        @Override
        public String type() {
            return "add";
        }
    }

    /**
     * max(x, 0) on codes; {@code fused} means its producer already applied it (identity here).
     *
     * @param name layer name
     * @param inputs the input
     * @param fused applied by the producer
     */
    public record Relu(String name, List<Integer> inputs, boolean fused) implements Op {
        @Override
        public String type() {
            return "relu";
        }
    }

    /**
     * A clipped ReLU on codes: min(max(x, 0), cap), with cap the code of the clip value (6 for ReLU6) in the
     * input's quantizer, computed as the fake quantizer rounds it. {@code fused} means the producer applied the ReLU
     * on its accumulator and requantized, so only the upper clamp is left; min(round(y), round(6)) equals
     * round(min(y, 6)) because rounding is monotone, which keeps the clamp exact.
     *
     * @param name layer name
     * @param inputs the input
     * @param fused ReLU applied by the producer
     * @param max the float clip value
     * @param cap the code of max
     */
    public record ClippedRelu(String name, List<Integer> inputs, boolean fused, float max, long cap) implements Op {
        @Override
        public String type() {
            return "clipped_relu";
        }
    }

    /**
     * Average pooling (no padding, floor mode) as a window sum: out = S when the window is a power of two
     * (the exponent grows by log2(window), nothing is rounded); otherwise out = round_half_up(S * 2^extraBits /
     * window), a division, at exponent input + extraBits.
     *
     * @param name layer name
     * @param inputs the input
     * @param kernel window side
     * @param stride stride
     * @param extraBits ceil(log2(kernel^2)): output exponent minus input exponent
     * @param output the output quantizer (32-bit, signed)
     */
    public record AvgPool(String name, List<Integer> inputs, int kernel, int stride, int extraBits, Quantizer output)
            implements Op {
        @Override
        public String type() {
            return "avgpool";
        }

        /** Values per window. */
        public int window() {
            return kernel * kernel;
        }

        /** Whether the window is a power of two, so pooling is a sum and no division. */
        public boolean powerOfTwo() {
            return Integer.bitCount(window()) == 1;
        }
    }

    /**
     * Concatenation along channels: each input's codes moved to the output quantizer (left shift when
     * {@code alignShifts[k]} is positive, rounding right shift and saturation otherwise), then laid one after the
     * other.
     *
     * @param name layer name
     * @param inputs the inputs, in order
     * @param alignShifts o - o_input per input
     * @param output output quantizer
     */
    public record Concat(String name, List<Integer> inputs, int[] alignShifts, Quantizer output) implements Op {
        @Override
        public String type() {
            return "concat";
        }
    }

    /**
     * Max pooling (no padding, floor mode).
     *
     * @param name layer name
     * @param inputs the input
     * @param kernel window
     * @param stride stride
     */
    public record MaxPool(String name, List<Integer> inputs, int kernel, int stride) implements Op {
        @Override
        public String type() {
            return "maxpool";
        }
    }

    /**
     * A layout no-op: flatten ({@code type = "flatten"}) or dropout at inference ({@code "identity"}).
     *
     * @param name layer name
     * @param type "flatten" or "identity"
     * @param inputs the input
     */
    public record PassThrough(String name, String type, List<Integer> inputs) implements Op {}

    /** The weighted ops (convolutions and linear layers), in order. */
    public List<Weighted> weighted() {
        return ops.stream()
                .filter(Weighted.class::isInstance)
                .map(Weighted.class::cast)
                .toList();
    }

    /** The op with this name. */
    public Op op(String name) {
        return ops.stream()
                .filter(o -> o.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no op " + name));
    }

    /** The quantizer of the last op's output (the logits). */
    public Quantizer outputQuantizer() {
        return valueQuantizers()[ops.size() - 1];
    }

    /** For every op, the quantizer its output codes are in (null for none). */
    public Quantizer[] valueQuantizers() {
        Quantizer[] q = new Quantizer[ops.size()];
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (op instanceof Weighted w) {
                q[i] = w.output();
            } else if (op instanceof Add a) {
                q[i] = a.output();
            } else if (op instanceof AvgPool a) {
                q[i] = a.output();
            } else if (op instanceof Concat c) {
                q[i] = c.output();
            } else {
                int j = op.inputs().get(0);
                q[i] = j == INPUT ? null : q[j];
            }
        }
        return q;
    }

    /**
     * Builds the integer model of a folded network under a full plan (step 3): weight codes as the
     * fake quantizer computes them (float32 arithmetic, half up), biases at w + i, shifts.
     *
     * @throws IllegalArgumentException when the plan is not complete (a quantizer is missing, a
     *     bias is not at w + i) or the graph has an op the integer path does not support
     */
    public static IntegerModel from(Network folded, StateDict weights, QuantPlan plan) {
        List<Network.Node> nodes = folded.nodes();
        List<Op> ops = new ArrayList<>();
        Quantizer[] value = new Quantizer[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            Network.Node node = nodes.get(i);
            Layer layer = node.layer();
            String n = layer.name();
            List<Integer> in = List.copyOf(node.inputs());
            LayerQuant lq = plan.get(n);
            if (layer instanceof Layer.Conv2d || layer instanceof Layer.Linear) {
                if (lq == null || lq.weight() == null || lq.input() == null || lq.output() == null) {
                    throw new IllegalArgumentException(n + ": the plan has no weight, input or output quantizer;"
                            + " the integer model needs the final (step 3) plan");
                }
                Quantizer input = Quantizer.of(lq.input());
                Quantizer output = Quantizer.of(lq.output());
                int j = in.get(0);
                Integer align = null;
                if (j != INPUT) {
                    if (value[j] == null) {
                        throw new IllegalArgumentException(n + " reads a float tensor that is not the network input");
                    }
                    align = input.exponent() - value[j].exponent();
                }
                HeapTensor w = weights.get(n + ".weight");
                int outC = (int) w.shape()[0];
                TensorQuant wq = lq.weight();
                int[] wExp = wq.isPerChannel() ? wq.channelExponents().clone() : new int[] {wq.exponent()};
                int per = w.size() / outC;
                int[] wCodes = new int[w.size()];
                for (int k = 0; k < wCodes.length; k++) {
                    wCodes[k] = (int) fakeQuantCode(w.data()[k], wq.exponentOf(k / per), wq.bits(), wq.signed());
                }
                long[] bCodes = null;
                int[] bExp = null;
                int bBits = 0;
                if (weights.has(n + ".bias")) {
                    TensorQuant bq = lq.bias();
                    if (bq == null) {
                        throw new IllegalArgumentException(n + ": the plan leaves the bias in float");
                    }
                    bBits = bq.bits();
                    bExp = bq.isPerChannel() ? bq.channelExponents().clone() : new int[] {bq.exponent()};
                    float[] b = weights.get(n + ".bias").data();
                    bCodes = new long[b.length];
                    for (int c = 0; c < b.length; c++) {
                        int e = bq.exponentOf(c);
                        if (e != wq.exponentOf(c) + input.exponent()) {
                            throw new IllegalArgumentException(n + ": bias exponent " + e + " of channel " + c
                                    + " is not weight + input = " + (wq.exponentOf(c) + input.exponent()));
                        }
                        bCodes[c] = fakeQuantCode(b[c], e, bq.bits(), bq.signed());
                    }
                }
                int[] cut = new int[outC];
                for (int c = 0; c < outC; c++) {
                    cut[c] = wq.exponentOf(c) + input.exponent() - output.exponent();
                }
                boolean fused = folded.fusedRelu(i).isPresent();
                WeightCodes weightCodes = new WeightCodes(wCodes, wq.bits(), wExp);
                BiasCodes biasCodes = bCodes == null ? null : new BiasCodes(bCodes, bBits, bExp);
                if (layer instanceof Layer.Conv2d c) {
                    ops.add(new Weighted(
                            n,
                            "conv",
                            in,
                            new Geometry(
                                    c.inChannels(), c.outChannels(), c.kernel(), c.stride(), c.padding(), c.groups()),
                            weightCodes,
                            biasCodes,
                            input,
                            align,
                            output,
                            cut,
                            fused));
                } else {
                    Layer.Linear l = (Layer.Linear) layer;
                    ops.add(new Weighted(
                            n,
                            "linear",
                            in,
                            Geometry.linear(l.inFeatures(), l.outFeatures()),
                            weightCodes,
                            biasCodes,
                            input,
                            align,
                            output,
                            cut,
                            fused));
                }
                value[i] = output;
            } else if (layer instanceof Layer.Add) {
                if (lq == null || lq.input() == null || lq.output() == null) {
                    throw new IllegalArgumentException(n + ": the plan has no alignment or output quantizer");
                }
                Quantizer align = Quantizer.of(lq.input());
                Quantizer output = Quantizer.of(lq.output());
                int[] shifts = alignShifts(n, in, value, align.exponent());
                ops.add(new Add(
                        n,
                        in,
                        align,
                        shifts,
                        output,
                        align.exponent() - output.exponent(),
                        folded.fusedRelu(i).isPresent()));
                value[i] = output;
            } else if (layer instanceof Layer.Concat) {
                if (lq == null || lq.output() == null) {
                    throw new IllegalArgumentException(n + ": the plan has no output quantizer");
                }
                Quantizer output = Quantizer.of(lq.output());
                int[] shifts = alignShifts(n, in, value, output.exponent());
                ops.add(new Concat(n, in, shifts, output));
                value[i] = output;
            } else if (layer instanceof Layer.AvgPool2d p) {
                int j = in.get(0);
                if (lq == null || lq.output() == null || j == INPUT || value[j] == null) {
                    throw new IllegalArgumentException(
                            n + ": average pooling needs quantized input codes and the" + " plan's sum quantizer");
                }
                Quantizer output = Quantizer.of(lq.output());
                if (output.exponent() != value[j].exponent() + p.extraBits()) {
                    throw new IllegalArgumentException(n + ": sum exponent " + output.exponent()
                            + " is not the input exponent + " + p.extraBits());
                }
                ops.add(new AvgPool(n, in, p.kernel(), p.stride(), p.extraBits(), output));
                value[i] = output;
            } else {
                int j = in.get(0);
                if (j == INPUT) {
                    throw new IllegalArgumentException(n + ": the integer path needs a quantized layer first, not "
                            + layer.getClass().getSimpleName());
                }
                value[i] = value[j];
                if (layer instanceof Layer.ReLU) {
                    Layer producer = nodes.get(j).layer();
                    boolean fused = (producer.quantized() || producer instanceof Layer.Add)
                            && folded.fusedRelu(j).isPresent();
                    ops.add(new Relu(n, in, fused));
                } else if (layer instanceof Layer.ClippedReLU r) {
                    Layer producer = nodes.get(j).layer();
                    boolean fused = (producer.quantized() || producer instanceof Layer.Add)
                            && folded.fusedRelu(j).isPresent();
                    Quantizer q = value[j];
                    if (q == null) {
                        throw new IllegalArgumentException(n + " reads a float tensor");
                    }
                    double exact = Math.scalb((double) r.max(), q.exponent());
                    if (!fused && exact != Math.rint(exact)) {
                        throw new IllegalArgumentException(n + ": clip value " + r.max() + " is not a code at exponent "
                                + q.exponent() + "; the integer clamp would not match");
                    }
                    ops.add(new ClippedRelu(
                            n, in, fused, r.max(), fakeQuantCode(r.max(), q.exponent(), q.bits(), q.signed())));
                } else if (layer instanceof Layer.MaxPool2d p) {
                    ops.add(new MaxPool(n, in, p.kernel(), p.stride()));
                } else if (layer instanceof Layer.Flatten) {
                    ops.add(new PassThrough(n, "flatten", in));
                } else if (layer instanceof Layer.Dropout) {
                    ops.add(new PassThrough(n, "identity", in));
                } else {
                    throw new IllegalArgumentException(
                            n + ": " + layer.getClass().getSimpleName()
                                    + " is not supported by the integer path (fold BatchNorm first)");
                }
            }
        }
        return new IntegerModel(
                folded.name(), folded.inputShape().clone(), folded.numClasses(), List.copyOf(ops), null);
    }

    /**
     * The code the fake quantizer ({@link io.shiftq.engine.quant.FakeQuant#apply}) produces for x,
     * computed in float32 as DJL does: scale by 2^n, clip to [qmin, qmax], floor(v + 0.5). Clamped
     * once more to the range (float32 cannot hold 2^31 - 1).
     */
    public static long fakeQuantCode(float x, int exponent, int bits, boolean signed) {
        long qmin = Pow2.qmin(bits, signed);
        long qmax = Pow2.qmax(bits, signed);
        float scaled = x * Math.scalb(1f, exponent);
        float clipped = Math.max((float) qmin, Math.min((float) qmax, scaled));
        float rounded = (float) Math.floor(clipped + 0.5f);
        return Math.max(qmin, Math.min(qmax, (long) rounded));
    }

    /** Left shifts (negative: right) that bring each quantized input to {@code exponent}, for adds and concats. */
    private static int[] alignShifts(String name, List<Integer> inputs, Quantizer[] value, int exponent) {
        int[] shifts = new int[inputs.size()];
        for (int s = 0; s < inputs.size(); s++) {
            int j = inputs.get(s);
            if (j == INPUT || value[j] == null) {
                throw new IllegalArgumentException(
                        name + " reads a float tensor; the integer path needs quantized inputs");
            }
            shifts[s] = exponent - value[j].exponent();
        }
        return shifts;
    }
}
