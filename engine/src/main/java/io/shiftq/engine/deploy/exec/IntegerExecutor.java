package io.shiftq.engine.deploy.exec;

import io.shiftq.engine.Cancellation;
import io.shiftq.engine.JobCancelledException;
import io.shiftq.engine.deploy.format.ModelFiles;
import io.shiftq.engine.deploy.ops.Codes;
import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import io.shiftq.engine.deploy.ops.Op;
import io.shiftq.engine.deploy.ops.RoundingMode;
import io.shiftq.engine.deploy.ops.ScalarRun;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs an {@link IntegerModel} with integers only once the float input is quantized: integer
 * weights, {@code long} accumulators, bias added at exponent w + i, requantization by an arithmetic
 * right shift of {@code shift_cut} with the chosen {@link RoundingMode}, saturation to the output
 * bitwidth, ReLU, max pooling and residual adds on codes, alignment shifts where a layer's input
 * quantizer differs from its producer's output quantizer. With a hardware target whose accumulator is narrower, a
 * model is run only when every layer's worst-case accumulator fits that width, so the results are those of the
 * narrower datapath ({@link IntegerModel#checkAccumulators}).
 *
 * <p>Use {@link #load(Path)} to run from the exported files only.
 */
public final class IntegerExecutor {

    /**
     * The result over a batch of images.
     *
     * @param codes output codes per image (logit codes for a classifier), at the last op's exponent
     * @param predictions index of the largest code per image (first on ties, as PyTorch's argmax)
     * @param outputExponent exponent of the codes (logit = code * 2^-exponent)
     */
    public record Result(long[][] codes, int[] predictions, int outputExponent) {}

    /**
     * Worker threads shared by every executor in the process: a call submits one task per thread it was given,
     * and idle threads are reused by the next call (the final stage runs one call per batch) instead of a pool
     * being built and torn down each time. Daemon threads, so they never keep a JVM alive.
     */
    private static final ExecutorService WORKERS = Executors.newCachedThreadPool(task -> {
        Thread t = new Thread(task, "shiftq-integer-executor");
        t.setDaemon(true);
        return t;
    });

    private final IntegerModel model;
    private final RoundingMode rounding;
    private final int threads;
    private final List<int[]> shapes;
    private final Optional<TensorExecutor> batched;

    /** An executor with round-half-up requantization on 2 threads. */
    public IntegerExecutor(IntegerModel model) {
        this(model, RoundingMode.HALF_UP, 2);
    }

    /** An executor with the given rounding, parallel over images on the given number of threads. */
    public IntegerExecutor(IntegerModel model, RoundingMode rounding, int threads) {
        // With a hardware target the long accumulators stand for the target's narrower ones: that holds only while
        // every layer's worst case fits the narrower width, so a model that breaks it is refused, not run.
        model.checkAccumulators();
        this.model = model;
        this.rounding = rounding;
        this.threads = Math.max(1, threads);
        this.shapes = model.shapes();
        this.batched = TensorExecutor.plan(model, rounding);
    }

    /** Loads {@code weights.npz} and {@code model.json} from dir (nothing else) into an executor. */
    public static IntegerExecutor load(Path dir) throws IOException {
        return new IntegerExecutor(ModelFiles.read(dir));
    }

    /** Whether {@link #run} takes the batched libtorch path (every value of the model stays below 2^53). */
    public boolean batched() {
        return batched.isPresent();
    }

    /** The model run. */
    public IntegerModel model() {
        return model;
    }

    /**
     * Runs images packed as [n, C, H, W] float32 (n = pixels.length / (C*H*W)): on whole batches with libtorch
     * ({@link TensorExecutor}, bit-exact, see there why) unless some value of the model could reach 2^53, then with
     * the scalar loops.
     */
    public Result run(float[] pixels) {
        return batched.map(t -> result(t.run(pixels))).orElseGet(() -> runScalar(pixels));
    }

    /** Runs images as {@link #run} does, always with the scalar loops: the reference the batched path is held to. */
    public Result runScalar(float[] pixels) {
        int per = model.inputShape()[0] * model.inputShape()[1] * model.inputShape()[2];
        int n = pixels.length / per;
        long[][] codes = new long[n][];
        // The workers run outside the caller's cancellation scope: they check the caller's, image by image.
        Cancellation cancellation = Cancellation.current();
        if (threads == 1 || n < 2) {
            for (int k = 0; k < n; k++) {
                cancellation.check();
                codes[k] = runOne(pixels, k * per);
            }
        } else {
            List<Future<?>> fs = new ArrayList<>();
            try {
                for (int t = 0; t < threads; t++) {
                    int from = (int) ((long) n * t / threads);
                    int to = (int) ((long) n * (t + 1) / threads);
                    fs.add(WORKERS.submit(() -> {
                        for (int k = from; k < to; k++) {
                            cancellation.check();
                            codes[k] = runOne(pixels, k * per);
                        }
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof JobCancelledException cancelled) {
                    throw cancelled;
                }
                throw new IllegalStateException("integer inference failed: " + e.getCause(), e.getCause());
            } finally {
                fs.forEach(f -> f.cancel(true));
            }
        }
        return result(codes);
    }

    private Result result(long[][] codes) {
        int n = codes.length;
        int[] pred = new int[n];
        for (int k = 0; k < n; k++) {
            pred[k] = argmax(codes[k]);
        }
        return new Result(codes, pred, model.outputQuantizer().exponent());
    }

    /** Index of the largest value, the first one on ties. */
    public static int argmax(long[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Runs one image starting at offset in pixels; returns the last op's codes. */
    long[] runOne(float[] pixels, int offset) {
        List<Op> ops = model.ops();
        long[][] values = new long[ops.size()][];
        for (int i = 0; i < ops.size(); i++) {
            values[i] = ops.get(i).run(new Step(ops.get(i), i, values, pixels, offset));
        }
        return values[ops.size() - 1];
    }

    /** What op i reads while one image runs. */
    private final class Step implements ScalarRun {
        private final Op op;
        private final int index;
        private final long[][] values;
        private final float[] pixels;
        private final int offset;

        Step(Op op, int index, long[][] values, float[] pixels, int offset) {
            this.op = op;
            this.index = index;
            this.values = values;
            this.pixels = pixels;
            this.offset = offset;
        }

        @Override
        public long[] input(int k) {
            return values[op.inputs().get(k)];
        }

        @Override
        public long[] networkInput(Quantizer q) {
            return quantizeInput(pixels, offset, model.inputShape(), q);
        }

        @Override
        public int[] inShape(int k) {
            return model.shapeOf(op.inputs().get(k), shapes);
        }

        @Override
        public int[] outShape() {
            return shapes.get(index);
        }

        @Override
        public RoundingMode rounding() {
            return rounding;
        }
    }

    /**
     * The network input's codes: clamp(floor(x * 2^n + 0.5)) computed in float32, exactly as the
     * fake quantizer does on DJL.
     */
    public static long[] quantizeInput(float[] pixels, int offset, int[] shape, Quantizer q) {
        int size = shape[0] * shape[1] * shape[2];
        long[] out = new long[size];
        for (int k = 0; k < size; k++) {
            out[k] = IntegerModel.fakeQuantCode(pixels[offset + k], q.exponent(), q.bits(), q.signed());
        }
        return out;
    }

    /** Fused ReLU (on the accumulator), right shift by cut with this executor's rounding, saturation. */
    public long requantize(long acc, int cut, boolean relu, Quantizer out) {
        return Codes.requantize(acc, cut, relu, out, rounding);
    }
}
