package io.shiftq.engine.deploy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import io.shiftq.engine.Cancellation;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.deploy.IntegerExecutor.Rounding;
import io.shiftq.engine.deploy.IntegerModel.Add;
import io.shiftq.engine.deploy.IntegerModel.AvgPool;
import io.shiftq.engine.deploy.IntegerModel.ClippedRelu;
import io.shiftq.engine.deploy.IntegerModel.Concat;
import io.shiftq.engine.deploy.IntegerModel.MaxPool;
import io.shiftq.engine.deploy.IntegerModel.Op;
import io.shiftq.engine.deploy.IntegerModel.PassThrough;
import io.shiftq.engine.deploy.IntegerModel.Quantizer;
import io.shiftq.engine.deploy.IntegerModel.Relu;
import io.shiftq.engine.deploy.IntegerModel.Weighted;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The integer model run on whole batches with libtorch's float kernels, giving the same codes as {@link
 * IntegerExecutor}'s scalar loops, bit for bit, and an order of magnitude faster.
 *
 * <p>Why it is exact. Every tensor holds integer codes, or integers times a power of two. A float sum of such
 * numbers is exact, in any order and with or without fused multiply-adds, as long as every partial sum, counted in
 * units of the smallest power of two involved, stays below the format's integer limit (2^24 in float32, 2^53 in
 * float64), and scaling by a power of two is exact. So a conv/linear layer runs as one libtorch call on weights
 * w * 2^-s and bias (b + r) * 2^-s per output channel (s its shift_cut, r = 2^(s-1) the half-up rounding offset
 * when s > 0), then floor and a clip: that is clip((acc + b + r) >> s), the scalar path's requantization. Its
 * partial sums are bounded by B = sum |w| * max|x| + |b| + r; {@link #plan} computes B per layer from the codes and
 * the input quantizer's range and runs the layer in float32 when B < 2^24, in float64 when B < 2^53, and refuses
 * the model (the caller keeps the scalar loops) otherwise. The fused ReLU becomes the clip's lower bound 0:
 * requantization is monotone and maps 0 to 0, so ReLU before it equals ReLU after it. The same bounds decide the
 * type of alignment shifts (floor(x * 2^-s + 0.5)), residual sums, window sums (a depthwise convolution with ones)
 * and the division of a non-power-of-two window, floor(a / b) for integers with |a| below the limit, exact because
 * a quotient that is not an integer lies at least 1/b from one while the rounding moves it by less than |a| / b
 * times the format's epsilon. ReLU, clamps, max pooling and concatenation only move values. The network input is
 * quantized by the scalar path's own Java code. {@code IntegerExecutorTest} holds the two paths to the same codes
 * on every layer kind, both roundings, saturating 4-bit codes and float64 layers.
 */
final class TensorExecutor {
    /** Images per batch: about 25 MB of float32 activations for VGGSmall's widest layer. */
    static final int BATCH = 128;

    private static final double F32_EXACT = 0x1p24;
    private static final double F64_EXACT = 0x1p53;

    private final IntegerModel model;
    private final Rounding rounding;
    private final List<int[]> shapes;
    private final DataType[] types;
    private final double[] lo;
    private final double[] hi;
    private final Quantizer inputQuantizer;

    private TensorExecutor(IntegerModel model, Rounding rounding, Bounds bounds, Quantizer inputQuantizer) {
        this.model = model;
        this.rounding = rounding;
        this.inputQuantizer = inputQuantizer;
        this.shapes = ModelFiles.shapes(model);
        this.types = bounds.types;
        this.lo = bounds.lo;
        this.hi = bounds.hi;
    }

    /**
     * An executor for the model, or empty when some value could reach 2^53 (only the scalar loops are exact
     * there) or something other than conv/linear layers with one input quantizer reads the network input.
     */
    static Optional<TensorExecutor> plan(IntegerModel model, Rounding rounding) {
        Optional<Quantizer> input = inputQuantizer(model.ops());
        if (input.isEmpty()) {
            return Optional.empty();
        }
        Bounds b = new Bounds(model.ops().size(), rounding);
        for (int i = 0; i < model.ops().size(); i++) {
            if (!b.place(i, model.ops().get(i))) {
                return Optional.empty();
            }
        }
        return Optional.of(new TensorExecutor(model, rounding, b, input.get()));
    }

    /**
     * The one quantizer the float input goes through, or empty unless only conv/linear layers read the input, all
     * through the same quantizer, as {@link #input} needs.
     */
    private static Optional<Quantizer> inputQuantizer(List<Op> ops) {
        List<Op> readers = ops.stream()
                .filter(o -> o.inputs().contains(IntegerModel.INPUT))
                .toList();
        if (readers.isEmpty() || !readers.stream().allMatch(o -> o instanceof Weighted)) {
            return Optional.empty();
        }
        Quantizer q = ((Weighted) readers.get(0)).input();
        return readers.stream().allMatch(o -> ((Weighted) o).input().equals(q)) ? Optional.of(q) : Optional.empty();
    }

    /** 2^(s-1), what half-up rounding adds before a right shift by s > 0; nothing for floor or s <= 0. */
    private static double roundingOffset(Rounding rounding, int s) {
        return rounding == Rounding.HALF_UP && s > 0 ? Math.scalb(1.0, s - 1) : 0;
    }

    /** Value range [lo, hi] of every op's output and the float type each op computes in. */
    private static final class Bounds {
        final DataType[] types;
        final double[] lo;
        final double[] hi;
        private final Rounding rounding;

        Bounds(int ops, Rounding rounding) {
            this.types = new DataType[ops];
            this.lo = new double[ops];
            this.hi = new double[ops];
            this.rounding = rounding;
        }

        /** Sets op i's type and range; false when a bound reaches 2^53. */
        boolean place(int i, Op op) {
            int j = op.inputs().get(0);
            double inAbs = j == IntegerModel.INPUT ? 0 : Math.max(-lo[j], hi[j]);
            double bound;
            if (op instanceof Weighted w) {
                bound = weightedBound(w);
                if (w.inputAlignShift() != null) {
                    bound = Math.max(bound, shiftBound(inAbs, -w.inputAlignShift()));
                }
                setRange(i, w.output(), w.fusedRelu());
            } else if (op instanceof Add a) {
                double u = alignedBound(a.inputs().get(0), a.alignShifts()[0], a.align());
                double v = alignedBound(a.inputs().get(1), a.alignShifts()[1], a.align());
                bound = u + v + offset(a.shiftCut());
                setRange(i, a.output(), a.fusedRelu());
            } else if (op instanceof AvgPool p) {
                double sum = p.window() * inAbs;
                bound = p.powerOfTwo() ? sum : sum * Math.scalb(1.0, p.extraBits() + 1) + p.window();
                // The output lies within the window sum's range (a power of two) or the average's times 2^e,
                // plus one for the rounding: much narrower than the 32-bit quantizer it is saturated to.
                double scale = p.powerOfTwo() ? p.window() : Math.scalb(1.0, p.extraBits());
                int extra = p.powerOfTwo() ? 0 : 1;
                lo[i] = Math.max(p.output().qmin(), lo[j] * scale - extra);
                hi[i] = Math.min(p.output().qmax(), hi[j] * scale + extra);
            } else if (op instanceof Concat c) {
                bound = 0;
                for (int s = 0; s < c.inputs().size(); s++) {
                    bound = Math.max(bound, alignedBound(c.inputs().get(s), c.alignShifts()[s], c.output()));
                }
                setRange(i, c.output(), false);
            } else {
                bound = inAbs;
                lo[i] = j == IntegerModel.INPUT ? 0 : lo[j];
                hi[i] = j == IntegerModel.INPUT ? 0 : hi[j];
                if (op instanceof Relu) {
                    lo[i] = Math.max(0, lo[i]);
                } else if (op instanceof ClippedRelu r) {
                    lo[i] = Math.max(0, lo[i]);
                    hi[i] = Math.min(r.cap(), hi[i]);
                }
            }
            types[i] = bound < F32_EXACT ? DataType.FLOAT32 : DataType.FLOAT64;
            return bound < F64_EXACT;
        }

        /** max over output channels of sum |w| * max|x| + |b| + rounding offset, the accumulator's bound. */
        private double weightedBound(Weighted w) {
            int outC = w.geometry().outChannels();
            int[] codes = w.weights().codes();
            int per = codes.length / outC;
            double worst = 0;
            for (int oc = 0; oc < outC; oc++) {
                double s = 0;
                for (int k = oc * per; k < (oc + 1) * per; k++) {
                    s += Math.abs(codes[k]);
                }
                double b = w.biases() == null ? 0 : Math.abs((double) w.biases().codes()[oc]);
                worst = Math.max(worst, s * range(w.input()) + b + offset(w.shiftCut()[oc]));
            }
            return worst;
        }

        /** Bound of an input moved by a left shift (right when negative) and saturated to q. */
        private double alignedBound(int j, int leftShift, Quantizer q) {
            double abs = Math.max(-lo[j], hi[j]);
            return Math.max(shiftBound(abs, -leftShift), Math.min(range(q), Math.ceil(Math.scalb(abs, leftShift)) + 1));
        }

        /** Bound of the numerator of floor((x + r) * 2^-s): |x| + r, in units of 2^-s at most 2^s times smaller. */
        private double shiftBound(double abs, int s) {
            return s > 0 ? abs + offset(s) : 0;
        }

        private double offset(int s) {
            return roundingOffset(rounding, s);
        }

        private void setRange(int i, Quantizer q, boolean relu) {
            lo[i] = relu ? Math.max(0, q.qmin()) : q.qmin();
            hi[i] = q.qmax();
        }
    }

    private static double range(Quantizer q) {
        return Math.max(Math.abs((double) q.qmin()), Math.abs((double) q.qmax()));
    }

    /** How many ops compute in float64 (a bound of 2^24 or more). */
    int float64Ops() {
        return (int) Arrays.stream(types).filter(t -> t == DataType.FLOAT64).count();
    }

    /** Output codes per image for images packed as [n, C, H, W]. */
    long[][] run(float[] pixels) {
        EngineSetup.noGradOnThisThread();
        int[] in = model.inputShape();
        int per = in[0] * in[1] * in[2];
        int n = pixels.length / per;
        long[][] codes = new long[n][];
        try (NDManager manager = NDManager.newBaseManager()) {
            Constants constants = new Constants(manager);
            for (int from = 0; from < n; from += BATCH) {
                // A cancelled job stops here, between batches, as the training and evaluation loops do.
                Cancellation.checkCurrent();
                int count = Math.min(BATCH, n - from);
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray out = forward(input(manager, pixels, from, count), constants);
                    double[] v = out.toType(DataType.FLOAT64, false).toDoubleArray();
                    int classes = v.length / count;
                    for (int k = 0; k < count; k++) {
                        codes[from + k] = new long[classes];
                        for (int c = 0; c < classes; c++) {
                            codes[from + k][c] = (long) v[k * classes + c];
                        }
                    }
                }
            }
        }
        return codes;
    }

    private NDArray input(NDManager manager, float[] pixels, int from, int count) {
        int[] in = model.inputShape();
        int per = in[0] * in[1] * in[2];
        Quantizer q = inputQuantizer;
        float[] x = new float[count * per];
        for (int k = 0; k < x.length; k++) {
            x[k] = IntegerModel.fakeQuantCode(pixels[from * per + k], q.exponent(), q.bits(), q.signed());
        }
        return manager.create(x, new Shape(count, in[0], in[1], in[2]));
    }

    private NDArray forward(NDArray x, Constants constants) {
        List<Op> ops = model.ops();
        NDArray[] values = new NDArray[ops.size()];
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            int j = op.inputs().get(0);
            NDArray first = as(j == IntegerModel.INPUT ? x : values[j], types[i]);
            values[i] = apply(i, op, first, values, constants);
        }
        return values[ops.size() - 1];
    }

    private NDArray apply(int i, Op op, NDArray x, NDArray[] values, Constants constants) {
        if (op instanceof Weighted w) {
            NDArray in =
                    w.inputAlignShift() == null ? x : shift(x, op.inputs().get(0), -w.inputAlignShift(), w.input());
            return weighted(i, w, in, constants);
        }
        if (op instanceof Add a) {
            NDArray u = shift(operand(values, a, 0, i), a.inputs().get(0), -a.alignShifts()[0], a.align());
            NDArray v = shift(operand(values, a, 1, i), a.inputs().get(1), -a.alignShifts()[1], a.align());
            return rescale(u.add(v), x.getManager().create(scalar(-a.shiftCut(), types[i])), a.shiftCut())
                    .clip(lo[i], hi[i]);
        }
        if (op instanceof Relu r) {
            return r.fused() ? x : x.maximum(0f);
        }
        if (op instanceof ClippedRelu) {
            return x.clip(lo[i], hi[i]);
        }
        if (op instanceof AvgPool p) {
            return avgPool(p, x, constants.ones[i]).clip(lo[i], hi[i]);
        }
        if (op instanceof Concat c) {
            NDList parts = new NDList();
            for (int s = 0; s < c.inputs().size(); s++) {
                parts.add(shift(operand(values, c, s, i), c.inputs().get(s), -c.alignShifts()[s], c.output()));
            }
            return NDArrays.concat(parts, 1);
        }
        if (op instanceof MaxPool p) {
            Shape k = new Shape(p.kernel(), p.kernel());
            return Pool.maxPool2d(x, k, new Shape(p.stride(), p.stride()), new Shape(0, 0), false);
        }
        if (op instanceof PassThrough t && t.type().equals("flatten")) {
            return x.reshape(x.getShape().get(0), -1);
        }
        return x;
    }

    private NDArray operand(NDArray[] values, Op op, int k, int i) {
        return as(values[op.inputs().get(k)], types[i]);
    }

    /** x in the given type; x itself when it has it already (a conversion is a copy). */
    private static NDArray as(NDArray x, DataType type) {
        return x.getDataType() == type ? x : x.toType(type, false);
    }

    /**
     * One libtorch call with the shift folded into weights and bias (see the class comment), then floor and the
     * clip to the output range (its lower end 0 under a fused ReLU).
     */
    private NDArray weighted(int i, Weighted w, NDArray x, Constants constants) {
        NDArray acc;
        if (w.isConv()) {
            int s = w.geometry().stride();
            int p = w.geometry().padding();
            acc = Conv2d.conv2d(
                            x,
                            constants.weights[i],
                            constants.biases[i],
                            new Shape(s, s),
                            new Shape(p, p),
                            new Shape(1, 1),
                            w.geometry().groups())
                    .singletonOrThrow();
        } else {
            NDArray flat = x.reshape(x.getShape().get(0), -1);
            acc = Linear.linear(flat, constants.weights[i], constants.biases[i]).singletonOrThrow();
        }
        return acc.floor().clip(lo[i], hi[i]);
    }

    /**
     * Right shift by s (left when negative) with this executor's rounding, then saturation to q; nothing at all when
     * s is 0 and the producer's range already lies inside q's.
     */
    private NDArray shift(NDArray x, int producer, int s, Quantizer q) {
        if (s == 0 && lo[producer] >= q.qmin() && hi[producer] <= q.qmax()) {
            return x;
        }
        NDArray v = s == 0 ? x : rescale(x, x.getManager().create(scalar(-s, x.getDataType())), s);
        return v.clip((double) q.qmin(), (double) q.qmax());
    }

    /** floor(v * 2^-s + 0.5) for half up and s > 0, else floor(v * 2^-s); factor is 2^-s. */
    private NDArray rescale(NDArray v, NDArray factor, int s) {
        NDArray scaled = v.mul(factor);
        return rounding == Rounding.HALF_UP && s > 0 ? scaled.add(0.5f).floor() : scaled.floor();
    }

    /** A scalar 2^exponent in the given type, as a 0-d array's data. */
    private static Number scalar(int exponent, DataType type) {
        return type == DataType.FLOAT32 ? (Number) Math.scalb(1f, exponent) : (Number) Math.scalb(1.0, exponent);
    }

    private NDArray avgPool(AvgPool p, NDArray x, NDArray ones) {
        NDArray sum = Conv2d.conv2d(
                        x,
                        ones.toType(x.getDataType(), false),
                        null,
                        new Shape(p.stride(), p.stride()),
                        new Shape(0, 0),
                        new Shape(1, 1),
                        (int) x.getShape().get(1))
                .singletonOrThrow();
        return p.powerOfTwo()
                ? sum
                : sum.mul(Math.scalb(1f, p.extraBits() + 1))
                        .add((float) p.window())
                        .div(2f * p.window())
                        .floor();
    }

    /**
     * Weights and biases with the shift folded in, and window tensors, all made once per run before the per-batch
     * scopes open (a scope closes every array made while it is open).
     */
    private final class Constants {
        private final NDManager manager;
        private final NDArray[] weights = new NDArray[model.ops().size()];
        private final NDArray[] biases = new NDArray[model.ops().size()];
        private final NDArray[] ones = new NDArray[model.ops().size()];

        Constants(NDManager manager) {
            this.manager = manager;
            for (int i = 0; i < model.ops().size(); i++) {
                Op op = model.ops().get(i);
                if (op instanceof Weighted w) {
                    weights[i] = scaledWeights(w).toType(types[i], false);
                    biases[i] = scaledBias(w).toType(types[i], false);
                } else if (op instanceof AvgPool p) {
                    int channels = shapes.get(op.inputs().get(0))[0];
                    ones[i] = manager.ones(new Shape(channels, 1, p.kernel(), p.kernel()), DataType.FLOAT64);
                }
            }
        }

        /** w * 2^-s, per output channel. */
        private NDArray scaledWeights(Weighted w) {
            int[] codes = w.weights().codes();
            int outC = w.geometry().outChannels();
            int per = codes.length / outC;
            double[] d = new double[codes.length];
            for (int k = 0; k < d.length; k++) {
                d[k] = Math.scalb((double) codes[k], -w.shiftCut()[k / per]);
            }
            return manager.create(d, new Shape(w.weightShape()));
        }

        /** (b + r) * 2^-s per output channel, r the rounding offset; zero bias for a layer without one. */
        private NDArray scaledBias(Weighted w) {
            double[] d = new double[w.geometry().outChannels()];
            for (int c = 0; c < d.length; c++) {
                int s = w.shiftCut()[c];
                double b = w.biases() == null ? 0 : w.biases().codes()[c];
                double r = roundingOffset(rounding, s);
                d[c] = Math.scalb(b + r, -s);
            }
            return manager.create(d, new Shape(d.length));
        }
    }
}
