package io.shiftq.engine.deploy.exec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.shiftq.engine.Cancellation;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import io.shiftq.engine.deploy.ops.Op;
import io.shiftq.engine.deploy.ops.RoundingMode;
import io.shiftq.engine.deploy.ops.TensorBounds;
import io.shiftq.engine.deploy.ops.TensorRun;
import io.shiftq.engine.deploy.ops.TensorSetup;
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
public final class TensorExecutor {
    /** Images per batch at most: about 25 MB of float32 activations for VGGSmall's widest layer. */
    static final int BATCH = 128;
    /**
     * What a batch's op outputs may hold together, counted as float64: every output stays alive until the batch
     * ends, beside each op's intermediates, so a 224x224 resnet18 at 128 images took 12 GB; this keeps such a batch
     * to a few images and leaves 28x28 nets at {@link #BATCH}.
     */
    static final long BATCH_BYTES = 128L << 20;

    private static final double F32_EXACT = 0x1p24;
    private static final double F64_EXACT = 0x1p53;

    private final IntegerModel model;
    private final RoundingMode rounding;
    private final List<int[]> shapes;
    private final DataType[] types;
    private final double[] lo;
    private final double[] hi;
    private final Quantizer inputQuantizer;
    private final int batch;

    private TensorExecutor(IntegerModel model, RoundingMode rounding, Bounds bounds, Quantizer inputQuantizer) {
        this.model = model;
        this.rounding = rounding;
        this.inputQuantizer = inputQuantizer;
        this.shapes = model.shapes();
        this.batch = batchFor(shapes);
        this.types = bounds.types;
        this.lo = bounds.lo;
        this.hi = bounds.hi;
    }

    /**
     * An executor for the model, or empty when some value could reach 2^53 (only the scalar loops are exact
     * there) or something other than conv/linear layers with one input quantizer reads the network input.
     */
    public static Optional<TensorExecutor> plan(IntegerModel model, RoundingMode rounding) {
        Optional<Quantizer> input = inputQuantizer(model.ops());
        if (input.isEmpty()) {
            return Optional.empty();
        }
        Bounds b = new Bounds(model.ops().size(), rounding);
        for (int i = 0; i < model.ops().size(); i++) {
            if (!b.place(i, model.ops().get(i), model.ops().get(i).inputs())) {
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
        if (readers.isEmpty()
                || !readers.stream().allMatch(o -> o.networkInputQuantizer().isPresent())) {
            return Optional.empty();
        }
        Quantizer q = readers.get(0).networkInputQuantizer().get();
        return readers.stream().allMatch(o -> o.networkInputQuantizer().get().equals(q))
                ? Optional.of(q)
                : Optional.empty();
    }

    /** Images per batch: as many as keep all op outputs of a batch under {@link #BATCH_BYTES}, 1 to {@link #BATCH}. */
    static int batchFor(List<int[]> shapes) {
        long perImage = shapes.stream()
                        .mapToLong(s -> Arrays.stream(s).asLongStream().reduce(1, (a, b) -> a * b))
                        .sum()
                * Double.BYTES;
        return (int) Math.max(1, Math.min(BATCH, BATCH_BYTES / Math.max(1, perImage)));
    }

    /** 2^(s-1), what half-up rounding adds before a right shift by s > 0; nothing for floor or s <= 0. */
    private static double roundingOffset(RoundingMode rounding, int s) {
        return rounding == RoundingMode.HALF_UP && s > 0 ? Math.scalb(1.0, s - 1) : 0;
    }

    /** Value range [lo, hi] of every op's output and the float type each op computes in. */
    private static final class Bounds {
        final DataType[] types;
        final double[] lo;
        final double[] hi;
        private final RoundingMode rounding;

        Bounds(int ops, RoundingMode rounding) {
            this.types = new DataType[ops];
            this.lo = new double[ops];
            this.hi = new double[ops];
            this.rounding = rounding;
        }

        /** Sets op i's type and range; false when a bound reaches 2^53. */
        boolean place(int i, Op op, List<Integer> inputs) {
            double bound = op.tensorBound(new Place(i, inputs));
            types[i] = bound < F32_EXACT ? DataType.FLOAT32 : DataType.FLOAT64;
            return bound < F64_EXACT;
        }

        /** The bounds seen from op i. */
        private final class Place implements TensorBounds {
            private final int i;
            private final List<Integer> inputs;

            Place(int i, List<Integer> inputs) {
                this.i = i;
                this.inputs = inputs;
            }

            @Override
            public double inAbs() {
                int j = inputs.get(0);
                return j == IntegerModel.INPUT ? 0 : Math.max(-lo[j], hi[j]);
            }

            @Override
            public double inLo() {
                int j = inputs.get(0);
                return j == IntegerModel.INPUT ? 0 : lo[j];
            }

            @Override
            public double inHi() {
                int j = inputs.get(0);
                return j == IntegerModel.INPUT ? 0 : hi[j];
            }

            @Override
            public double alignedBound(int k, int leftShift, Quantizer q) {
                int j = inputs.get(k);
                double abs = Math.max(-lo[j], hi[j]);
                return Math.max(
                        shiftBound(abs, -leftShift),
                        Math.min(TensorBounds.range(q), Math.ceil(Math.scalb(abs, leftShift)) + 1));
            }

            /** Bound of the numerator of floor((x + r) * 2^-s): |x| + r, in units of 2^-s at most 2^s times smaller. */
            @Override
            public double shiftBound(double abs, int s) {
                return s > 0 ? abs + offset(s) : 0;
            }

            @Override
            public double offset(int s) {
                return roundingOffset(rounding, s);
            }

            @Override
            public void range(Quantizer q, boolean relu) {
                lo[i] = relu ? Math.max(0, q.qmin()) : q.qmin();
                hi[i] = q.qmax();
            }

            @Override
            public void range(double low, double high) {
                lo[i] = low;
                hi[i] = high;
            }
        }
    }

    /** How many ops compute in float64 (a bound of 2^24 or more). */
    public int float64Ops() {
        return (int) Arrays.stream(types).filter(t -> t == DataType.FLOAT64).count();
    }

    /** Output codes per image for images packed as [n, C, H, W]. */
    public long[][] run(float[] pixels) {
        EngineSetup.noGradOnThisThread();
        int[] in = model.inputShape();
        int per = in[0] * in[1] * in[2];
        int n = pixels.length / per;
        long[][] codes = new long[n][];
        try (NDManager manager = NDManager.newBaseManager()) {
            Constants constants = new Constants(manager);
            for (int from = 0; from < n; from += batch) {
                // A cancelled job stops here, between batches, as the training and evaluation loops do.
                Cancellation.checkCurrent();
                int count = Math.min(batch, n - from);
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
            values[i] = ops.get(i).forward(new Step(i, x, values, constants));
        }
        return values[ops.size() - 1];
    }

    /** What op i reads while a batch runs. */
    private final class Step implements TensorRun {
        private final int i;
        private final Op op;
        private final NDArray x;
        private final NDArray[] values;
        private final Constants constants;

        Step(int i, NDArray x, NDArray[] values, Constants constants) {
            this.i = i;
            this.op = model.ops().get(i);
            this.x = x;
            this.values = values;
            this.constants = constants;
        }

        @Override
        public NDArray input(int k) {
            int j = op.inputs().get(k);
            return as(j == IntegerModel.INPUT ? x : values[j], types[i]);
        }

        /** Nothing at all when s is 0 and the producer's range already lies inside q's. */
        @Override
        public NDArray shift(NDArray v, int k, int s, Quantizer q) {
            int producer = op.inputs().get(k);
            if (s == 0 && lo[producer] >= q.qmin() && hi[producer] <= q.qmax()) {
                return v;
            }
            NDArray r = s == 0 ? v : rescale(v, v.getManager().create(TensorRun.scalar(-s, v.getDataType())), s);
            return r.clip((double) q.qmin(), (double) q.qmax());
        }

        @Override
        public NDArray rescale(NDArray v, NDArray factor, int s) {
            NDArray scaled = v.mul(factor);
            return rounding == RoundingMode.HALF_UP && s > 0 ? scaled.add(0.5f).floor() : scaled.floor();
        }

        @Override
        public NDArray constant(int k) {
            return constants.arrays[i].get(k);
        }

        @Override
        public DataType type() {
            return types[i];
        }

        @Override
        public double lo() {
            return lo[i];
        }

        @Override
        public double hi() {
            return hi[i];
        }
    }

    /** x in the given type; x itself when it has it already (a conversion is a copy). */
    private static NDArray as(NDArray x, DataType type) {
        return x.getDataType() == type ? x : x.toType(type, false);
    }

    /**
     * Every op's constant arrays (weights and biases with the shift folded in, window tensors), all made once per
     * run before the per-batch scopes open (a scope closes every array made while it is open).
     */
    private final class Constants {
        @SuppressWarnings("unchecked")
        private final List<NDArray>[] arrays = new List[model.ops().size()];

        Constants(NDManager manager) {
            for (int i = 0; i < model.ops().size(); i++) {
                Op op = model.ops().get(i);
                int index = i;
                arrays[i] = op.tensorConstants(new TensorSetup() {
                    @Override
                    public NDManager manager() {
                        return manager;
                    }

                    @Override
                    public DataType type() {
                        return types[index];
                    }

                    @Override
                    public int[] inShape(int k) {
                        return model.shapeOf(op.inputs().get(k), shapes);
                    }

                    @Override
                    public double offset(int s) {
                        return roundingOffset(rounding, s);
                    }
                });
            }
        }
    }
}
