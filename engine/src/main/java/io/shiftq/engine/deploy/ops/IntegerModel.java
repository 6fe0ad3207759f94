package io.shiftq.engine.deploy.ops;

import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.quant.Pow2;
import io.shiftq.engine.quant.QuantPlan;
import io.shiftq.engine.quant.TensorQuant;
import io.shiftq.schema.config.TargetLimits;
import java.util.ArrayList;
import java.util.List;

/**
 * A fully quantized network as integers: integer weight and bias codes, per-tensor activation
 * quantizers and the shifts between them. It is what {@code ModelFiles} writes to
 * {@code weights.npz} + {@code model.json} and what {@code IntegerExecutor} runs.
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
 * @param target the hardware target the model was quantized for, or null for none (the generic profile)
 */
public record IntegerModel(
        String network,
        int[] inputShape,
        int numClasses,
        List<Op> ops,
        InputNormalization normalization,
        Target target) {

    /** A model quantized without a hardware target. */
    public IntegerModel(
            String network, int[] inputShape, int numClasses, List<Op> ops, InputNormalization normalization) {
        this(network, inputShape, numClasses, ops, normalization, null);
    }

    /**
     * The hardware a model was quantized for: its accumulator width is what the C reference declares its
     * accumulators with, and what the executor refuses to run a model past (see {@link Weighted#accumulatorBound}).
     *
     * @param profile the profile's name
     * @param limits the limits in force
     */
    public record Target(String profile, TargetLimits limits) {
        /** The accumulator width, or 0 without a limit. */
        public int accumulatorBits() {
            return limits.accumulatorBits() == null ? 0 : limits.accumulatorBits();
        }
    }

    /** The same model, recording the hardware target (null for none). */
    public IntegerModel withTarget(Target t) {
        return new IntegerModel(network, inputShape, numClasses, ops, normalization, t);
    }

    /**
     * Proves that no accumulator can leave the target's width: every convolution's and linear layer's worst case
     * {@code sum |w_code| * max|x_code| + |b_code|} fits, and then so does every partial sum in any order.
     *
     * @throws IllegalStateException naming the first layer whose bound does not fit
     */
    public void checkAccumulators() {
        if (target == null || target.accumulatorBits() == 0) {
            return;
        }
        long max = target.limits().accumulatorMax();
        for (Weighted w : weighted()) {
            if (w.accumulatorBound() > max) {
                throw new IllegalStateException(w.name() + ": worst-case accumulator " + w.accumulatorBound()
                        + " exceeds the " + target.accumulatorBits() + "-bit accumulator of target "
                        + target.profile() + " (" + max + ")");
            }
        }
    }

    /**
     * x = (pixel - mean[c]) / std[c] on pixels in [0, 1], computed in float32 before the input quantizer: what the
     * model was trained and quantized with ({@code data.normalize}). The executor takes x; a device folds it into its
     * input quantizer, q = floor(x * 2^n + 0.5), e.g. as a 256-entry table per channel for 8-bit pixels.
     *
     * @param mean one per channel (or one for all)
     * @param std one per channel (or one for all)
     */
    public record InputNormalization(float[] mean, float[] std) {
        /** x of a pixel p in [0, 1] of channel c, in float32 as the data loader computes it. */
        public float apply(int c, float p) {
            int k = mean.length == 1 ? 0 : c;
            return (p - mean[k]) / std[k];
        }
    }

    /** The same model, recording the input normalization. */
    public IntegerModel withNormalization(InputNormalization n) {
        return new IntegerModel(network, inputShape, numClasses, ops, n, target);
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
            int j = op.inputs().get(0);
            q[i] = op.valueQuantizer(j == INPUT ? null : q[j]);
        }
        return q;
    }

    /** The shape of value j: the network input's for {@link #INPUT}, else op j's from shapes ({@link #shapes}). */
    public int[] shapeOf(int j, List<int[]> shapes) {
        return j == INPUT ? inputShape : shapes.get(j);
    }

    /** Output shape [C, H, W] or [F] of every op for one sample. */
    public List<int[]> shapes() {
        List<int[]> s = new ArrayList<>();
        for (Op op : ops) {
            List<int[]> in = new ArrayList<>();
            for (int j : op.inputs()) {
                in.add(shapeOf(j, s));
            }
            s.add(op.outputShape(in));
        }
        return s;
    }

    /**
     * Builds the integer model of a folded network under a full plan (the final_ptq stage): weight codes as the
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
            Layer layer = nodes.get(i).layer();
            Operators.Builder builder = Operators.BUILDERS.get(layer.getClass());
            if (builder == null) {
                throw unsupported(layer, nodes.get(i).inputs().get(0));
            }
            Op op = builder.build(new LayerBuild(folded, weights, plan, value, i));
            int j = op.inputs().get(0);
            value[i] = op.valueQuantizer(j == INPUT ? null : value[j]);
            ops.add(op);
        }
        return new IntegerModel(
                folded.name(), folded.inputShape().clone(), folded.numClasses(), List.copyOf(ops), null);
    }

    private static IllegalArgumentException unsupported(Layer layer, int input) {
        String n = layer.name();
        String kind = layer.getClass().getSimpleName();
        return input == INPUT
                ? new IllegalArgumentException(n + ": the integer path needs a quantized layer first, not " + kind)
                : new IllegalArgumentException(n + ": " + kind + " has no integer form"
                        + (layer.getClass() == Layer.BatchNorm2d.class
                                ? " here: only a BatchNorm right after a convolution is folded into it"
                                : "; the integer operators are " + Operators.supported()));
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
}
