package io.shiftq.engine.deploy;

import io.shiftq.engine.Cancellation;
import io.shiftq.engine.JobCancelledException;
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
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs an {@link IntegerModel} with integers only once the float input is quantized: integer
 * weights, {@code long} accumulators, bias added at exponent w + i, requantization by an arithmetic
 * right shift of {@code shift_cut} with the chosen {@link Rounding}, saturation to the output
 * bitwidth, ReLU, max pooling and residual adds on codes, alignment shifts where a layer's input
 * quantizer differs from its producer's output quantizer.
 *
 * <p>Use {@link #load(Path)} to run from the exported files only.
 */
public final class IntegerExecutor {

    /** How a right shift by s > 0 rounds. */
    public enum Rounding {
        /** (v + 2^(s-1)) >> s: round half up, the fake quantizer's floor(x + 0.5). */
        HALF_UP,
        /** v >> s: round toward minus infinity. */
        FLOOR
    }

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
    private final Rounding rounding;
    private final int threads;
    private final List<int[]> shapes;
    private final Optional<TensorExecutor> batched;

    /** An executor with round-half-up requantization on 2 threads. */
    public IntegerExecutor(IntegerModel model) {
        this(model, Rounding.HALF_UP, 2);
    }

    /** An executor with the given rounding, parallel over images on the given number of threads. */
    public IntegerExecutor(IntegerModel model, Rounding rounding, int threads) {
        this.model = model;
        this.rounding = rounding;
        this.threads = Math.max(1, threads);
        this.shapes = ModelFiles.shapes(model);
        this.batched = TensorExecutor.plan(model, rounding);
    }

    /** Loads {@code weights.npz} and {@code model.json} from dir (nothing else) into an executor. */
    public static IntegerExecutor load(Path dir) throws IOException {
        return new IntegerExecutor(ModelFiles.read(dir));
    }

    /** Whether {@link #run} takes the batched libtorch path (every value of the model stays below 2^53). */
    boolean batched() {
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
            Op op = ops.get(i);
            int j = op.inputs().get(0);
            int[] inShape = j == IntegerModel.INPUT ? model.inputShape() : shapes.get(j);
            if (op instanceof Weighted w) {
                long[] x = j == IntegerModel.INPUT
                        ? quantizeInput(pixels, offset, inShape, w.input())
                        : align(values[j], w.inputAlignShift(), w.input());
                values[i] = w.isConv() ? conv(w, x, inShape, shapes.get(i)) : linear(w, x);
            } else if (op instanceof Add a) {
                values[i] = add(a, values[a.inputs().get(0)], values[a.inputs().get(1)]);
            } else if (op instanceof Relu r) {
                values[i] = r.fused() ? values[j] : relu(values[j]);
            } else if (op instanceof ClippedRelu r) {
                values[i] = clamp(values[j], r.cap());
            } else if (op instanceof AvgPool p) {
                values[i] = avgPool(values[j], inShape, shapes.get(i), p);
            } else if (op instanceof Concat c) {
                values[i] = concat(c, values);
            } else if (op instanceof MaxPool p) {
                values[i] = maxPool(values[j], inShape, shapes.get(i), p);
            } else if (op instanceof PassThrough) {
                values[i] = values[j];
            }
        }
        return values[ops.size() - 1];
    }

    /**
     * The network input's codes: clamp(floor(x * 2^n + 0.5)) computed in float32, exactly as the
     * fake quantizer does on DJL.
     */
    static long[] quantizeInput(float[] pixels, int offset, int[] shape, Quantizer q) {
        int size = shape[0] * shape[1] * shape[2];
        long[] out = new long[size];
        for (int k = 0; k < size; k++) {
            out[k] = IntegerModel.fakeQuantCode(pixels[offset + k], q.exponent(), q.bits(), q.signed());
        }
        return out;
    }

    /** Moves codes to another exponent: left shift (exact) or rounding right shift, then saturation. */
    long[] align(long[] x, int leftShift, Quantizer target) {
        long[] out = new long[x.length];
        for (int k = 0; k < x.length; k++) {
            out[k] = saturate(shiftRight(x[k], -leftShift, rounding), target);
        }
        return out;
    }

    private long[] conv(Weighted w, long[] x, int[] in, int[] outShape) {
        int h = in[1];
        int wd = in[2];
        int outC = outShape[0];
        int oh = outShape[1];
        int ow = outShape[2];
        int k = w.geometry().kernel();
        int s = w.geometry().stride();
        int p = w.geometry().padding();
        int[] wt = w.weights().codes();
        long[] out = new long[outC * oh * ow];
        long[] acc = new long[oh * ow];
        // Accumulate plane by plane: one weight times a contiguous run of input pixels, so the
        // inner loop has no branches and the JIT can vectorize it.
        int inPer = w.geometry().inPerGroup();
        int outPer = outC / w.geometry().groups();
        for (int oc = 0; oc < outC; oc++) {
            Arrays.fill(acc, w.biases() == null ? 0 : w.biases().codes()[oc]);
            int firstIn = (oc / outPer) * inPer;
            for (int ic = 0; ic < inPer; ic++) {
                int wBase = ((oc * inPer) + ic) * k * k;
                int xBase = (firstIn + ic) * h * wd;
                for (int ky = 0; ky < k; ky++) {
                    for (int kx = 0; kx < k; kx++) {
                        long wv = wt[wBase + ky * k + kx];
                        if (wv != 0) {
                            accumulate(acc, x, wv, xBase, ky, kx, h, wd, oh, ow, s, p);
                        }
                    }
                }
            }
            int cut = w.shiftCut()[oc];
            for (int i = 0; i < acc.length; i++) {
                out[oc * oh * ow + i] = requantize(acc[i], cut, w.fusedRelu(), w.output());
            }
        }
        return out;
    }

    private static void accumulate(
            long[] acc, long[] x, long wv, int xBase, int ky, int kx, int h, int wd, int oh, int ow, int s, int p) {
        int oxFrom = Math.max(0, ceilDiv(p - kx, s));
        int oxTo = Math.min(ow - 1, Math.floorDiv(wd - 1 + p - kx, s));
        for (int oy = 0; oy < oh; oy++) {
            int iy = oy * s - p + ky;
            if (iy < 0 || iy >= h) {
                continue;
            }
            int row = xBase + iy * wd - p + kx;
            int accRow = oy * ow;
            for (int ox = oxFrom; ox <= oxTo; ox++) {
                acc[accRow + ox] += wv * x[row + ox * s];
            }
        }
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

    private long[] linear(Weighted w, long[] x) {
        int in = w.geometry().inChannels();
        int[] wt = w.weights().codes();
        long[] out = new long[w.geometry().outChannels()];
        for (int o = 0; o < out.length; o++) {
            long acc = w.biases() == null ? 0 : w.biases().codes()[o];
            int base = o * in;
            for (int i = 0; i < in; i++) {
                acc += (long) wt[base + i] * x[i];
            }
            out[o] = requantize(acc, w.shiftCut()[o], w.fusedRelu(), w.output());
        }
        return out;
    }

    private long[] add(Add a, long[] x, long[] y) {
        long[] out = new long[x.length];
        int sa = a.alignShifts()[0];
        int sb = a.alignShifts()[1];
        for (int k = 0; k < out.length; k++) {
            long u = saturate(shiftRight(x[k], -sa, rounding), a.align());
            long v = saturate(shiftRight(y[k], -sb, rounding), a.align());
            out[k] = requantize(u + v, a.shiftCut(), a.fusedRelu(), a.output());
        }
        return out;
    }

    private static long[] relu(long[] x) {
        long[] out = new long[x.length];
        for (int k = 0; k < x.length; k++) {
            out[k] = Math.max(0, x[k]);
        }
        return out;
    }

    private static long[] clamp(long[] x, long cap) {
        long[] out = new long[x.length];
        for (int k = 0; k < x.length; k++) {
            out[k] = Math.max(0, Math.min(cap, x[k]));
        }
        return out;
    }

    private long[] concat(Concat c, long[][] values) {
        int total = 0;
        for (int j : c.inputs()) {
            total += values[j].length;
        }
        long[] out = new long[total];
        int at = 0;
        for (int s = 0; s < c.inputs().size(); s++) {
            long[] x = values[c.inputs().get(s)];
            for (int k = 0; k < x.length; k++) {
                out[at + k] = saturate(shiftRight(x[k], -c.alignShifts()[s], rounding), c.output());
            }
            at += x.length;
        }
        return out;
    }

    /**
     * Window sums; a window of 2^m values keeps the sum as it is (its exponent is the input's + m), any other
     * window n gives round_half_up(sum * 2^extraBits / n), an integer division.
     */
    private static long[] avgPool(long[] x, int[] in, int[] outShape, AvgPool p) {
        int c = in[0];
        int h = in[1];
        int w = in[2];
        int oh = outShape[1];
        int ow = outShape[2];
        long n = p.window();
        long[] out = new long[c * oh * ow];
        for (int ch = 0; ch < c; ch++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    long sum = 0;
                    for (int ky = 0; ky < p.kernel(); ky++) {
                        for (int kx = 0; kx < p.kernel(); kx++) {
                            sum += x[(ch * h + oy * p.stride() + ky) * w + ox * p.stride() + kx];
                        }
                    }
                    long v = p.powerOfTwo() ? sum : Math.floorDiv((sum << (p.extraBits() + 1)) + n, 2 * n);
                    out[(ch * oh + oy) * ow + ox] = saturate(v, p.output());
                }
            }
        }
        return out;
    }

    private static long[] maxPool(long[] x, int[] in, int[] outShape, MaxPool p) {
        int c = in[0];
        int h = in[1];
        int w = in[2];
        int oh = outShape[1];
        int ow = outShape[2];
        long[] out = new long[c * oh * ow];
        for (int ch = 0; ch < c; ch++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    long m = Long.MIN_VALUE;
                    for (int ky = 0; ky < p.kernel(); ky++) {
                        for (int kx = 0; kx < p.kernel(); kx++) {
                            m = Math.max(m, x[(ch * h + oy * p.stride() + ky) * w + ox * p.stride() + kx]);
                        }
                    }
                    out[(ch * oh + oy) * ow + ox] = m;
                }
            }
        }
        return out;
    }

    /** Fused ReLU (on the accumulator), right shift by cut with this executor's rounding, saturation. */
    long requantize(long acc, int cut, boolean relu, Quantizer out) {
        long v = relu ? Math.max(0, acc) : acc;
        return saturate(shiftRight(v, cut, rounding), out);
    }

    /**
     * v >> s with rounding for s > 0 ({@code (v + 2^(s-1)) >> s} half up, {@code v >> s} floor),
     * v << -s for s < 0, saturating at the long range instead of wrapping.
     */
    public static long shiftRight(long v, int s, Rounding rounding) {
        if (s == 0) {
            return v;
        }
        if (s > 0) {
            if (s >= 63) {
                if (rounding == Rounding.FLOOR) {
                    return v < 0 ? -1 : 0;
                }
                return s == 63 ? (v >= (1L << 62) ? 1 : v < -(1L << 62) ? -1 : 0) : 0;
            }
            return rounding == Rounding.HALF_UP ? (v + (1L << (s - 1))) >> s : v >> s;
        }
        int l = -s;
        if (v == 0) {
            return 0;
        }
        if (l >= 63 || Math.abs(v) > (Long.MAX_VALUE >> l)) {
            return v > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
        return v << l;
    }

    /** Clamps to the quantizer's code range. */
    public static long saturate(long v, Quantizer q) {
        return Math.max(q.qmin(), Math.min(q.qmax(), v));
    }
}
