package io.shiftq.engine.deploy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.data.Batches;
import io.shiftq.engine.data.ImageSource;
import io.shiftq.engine.deploy.exec.IntegerExecutor;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.nn.LoadedNetwork;
import io.shiftq.engine.quant.QuantPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Compares the integer executor (run from the exported files) with the fake-quant evaluation
 * ({@link LoadedNetwork#forward} under the plan) image by image: predictions and every logit code.
 *
 * <p>The fake-quant logits are multiplied by 2^o of the last layer to get codes (exact: they are
 * codes times 2^-o). Differences are counted, never hidden. They can come from float32
 * accumulation in the fake-quant convolution once partial sums pass 2^24 units of 2^-(w+i), where
 * float32 rounds and integers do not.
 */
public final class IntegerChecker {
    /** Images per integer-executor call: enough to keep its threads busy, few enough to stream from files. */
    private static final int INTEGER_BATCH = 256;

    private IntegerChecker() {}

    /**
     * What the comparison found.
     *
     * @param images images compared
     * @param integerAccuracy integer executor top-1 accuracy, percent
     * @param fakeQuantAccuracy fake-quant top-1 accuracy, percent (as {@code Evaluation.accuracy})
     * @param predictionMismatches images the two classify differently
     * @param logitMismatches images with at least one differing logit code
     * @param differingLogitCodes logit codes that differ, over all images
     * @param maxCodeDifference largest |integer - fake-quant| logit code difference
     * @param firstMismatches indices of up to 20 images with a differing logit code
     * @param integerMillis wall time of the integer executor
     */
    public record Result(
            int images,
            double integerAccuracy,
            double fakeQuantAccuracy,
            int predictionMismatches,
            int logitMismatches,
            long differingLogitCodes,
            long maxCodeDifference,
            List<Integer> firstMismatches,
            long integerMillis) {
        /** True when every prediction and every logit code agree. */
        public boolean bitExact() {
            return predictionMismatches == 0 && logitMismatches == 0;
        }

        /** One line for logs and reports. */
        public String summary() {
            return String.format(
                    Locale.ROOT,
                    "images %d  integer %.2f%%  fake-quant %.2f%%  prediction mismatches %d  logit mismatches %d"
                            + " (codes %d, max |diff| %d)  integer time %d ms",
                    images,
                    integerAccuracy,
                    fakeQuantAccuracy,
                    predictionMismatches,
                    logitMismatches,
                    differingLogitCodes,
                    maxCodeDifference,
                    integerMillis);
        }
    }

    /**
     * Runs the integer executor loaded from {@code exportDir} (only {@code weights.npz} and
     * {@code model.json} are read) and the fake-quant model on the same images and compares them.
     *
     * @param exportDir a directory written by {@link Deployment#export}
     * @param folded the folded network the plan belongs to
     * @param weights its folded FP32 weights
     * @param plan the full final_ptq plan
     * @param test the images to compare on (all of them)
     * @param batchSize fake-quant batch size
     */
    public static Result check(
            Path exportDir, Network folded, StateDict weights, QuantPlan plan, ImageSource test, int batchSize)
            throws IOException {
        return check(IntegerExecutor.load(exportDir), folded, weights, plan, test, batchSize);
    }

    /**
     * As {@link #check(Path, Network, StateDict, QuantPlan, ImageSource, int)} with the fake-quant logits measured
     * already (by the final_ptq stage's evaluation, over the same images), so they are not computed a second time.
     */
    public static Result check(Path exportDir, Logits fakeQuant, ImageSource test) throws IOException {
        return compare(IntegerExecutor.load(exportDir), fakeQuant, test);
    }

    /** As {@link #check(Path, Network, StateDict, QuantPlan, ImageSource, int)} with an executor at hand. */
    public static Result check(
            IntegerExecutor executor,
            Network folded,
            StateDict weights,
            QuantPlan plan,
            ImageSource test,
            int batchSize) {
        return compare(executor, logits(folded, weights, plan, test, batchSize), test);
    }

    private static Result compare(IntegerExecutor executor, Logits logits, ImageSource test) {
        if (logits.predictions().length != test.size()) {
            throw new IllegalArgumentException("fake-quant logits of " + logits.predictions().length
                    + " images against " + test.size() + " test images");
        }
        long t0 = System.nanoTime();
        IntegerExecutor.Result integer = runBatches(executor, test);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        FakeQuantRun fq = logits.codes(executor.model().outputQuantizer().exponent());
        int n = test.size();
        int predMismatch = 0;
        int logitMismatch = 0;
        long codes = 0;
        long maxDiff = 0;
        int intCorrect = 0;
        int fqCorrect = 0;
        List<Integer> first = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            intCorrect += integer.predictions()[k] == test.labels()[k] ? 1 : 0;
            fqCorrect += fq.predictions[k] == test.labels()[k] ? 1 : 0;
            predMismatch += integer.predictions()[k] != fq.predictions[k] ? 1 : 0;
            boolean differs = false;
            for (int c = 0; c < fq.codes[k].length; c++) {
                long d = Math.abs(integer.codes()[k][c] - fq.codes[k][c]);
                if (d != 0) {
                    differs = true;
                    codes++;
                    maxDiff = Math.max(maxDiff, d);
                }
            }
            if (differs) {
                logitMismatch++;
                if (first.size() < 20) {
                    first.add(k);
                }
            }
        }
        return new Result(
                n,
                n == 0 ? 0 : 100.0 * intCorrect / n,
                n == 0 ? 0 : 100.0 * fqCorrect / n,
                predMismatch,
                logitMismatch,
                codes,
                maxDiff,
                List.copyOf(first),
                millis);
    }

    /**
     * The integer executor over the test images, INTEGER_BATCH at a time, so a test set decoded from files is read
     * batch by batch like every other pass (the time includes the decoding then).
     */
    private static IntegerExecutor.Result runBatches(IntegerExecutor executor, ImageSource test) {
        Batches batches = Batches.inOrder(test, INTEGER_BATCH, 0);
        long[][] codes = new long[test.size()][];
        int[] predictions = new int[test.size()];
        int exponent = 0;
        for (int b = 0; b < batches.count(); b++) {
            IntegerExecutor.Result r = executor.run(batches.pixels(b));
            System.arraycopy(r.codes(), 0, codes, b * INTEGER_BATCH, r.codes().length);
            System.arraycopy(r.predictions(), 0, predictions, b * INTEGER_BATCH, r.predictions().length);
            exponent = r.outputExponent();
        }
        return new IntegerExecutor.Result(codes, predictions, exponent);
    }

    /** Fake-quant logit codes (logits * 2^outputExponent) and DJL argmax predictions. */
    record FakeQuantRun(long[][] codes, int[] predictions) {}

    /**
     * Fake-quant logits of a test set, [images * classes] in image order, and DJL's argmax per image.
     *
     * @param values the logits
     * @param predictions predicted class per image
     */
    public record Logits(float[] values, int[] predictions) {
        /** Top-1 accuracy in percent, computed as {@code Evaluation.accuracy} computes it. */
        public double accuracy(int[] labels) {
            int correct = 0;
            for (int i = 0; i < predictions.length; i++) {
                correct += predictions[i] == labels[i] ? 1 : 0;
            }
            return predictions.length == 0 ? 0 : 100.0 * correct / predictions.length;
        }

        /** The logits as codes at the output exponent (exact: they are codes times 2^-exponent). */
        FakeQuantRun codes(int outputExponent) {
            int n = predictions.length;
            int classes = n == 0 ? 0 : values.length / n;
            long[][] codes = new long[n][classes];
            for (int k = 0; k < n; k++) {
                for (int c = 0; c < classes; c++) {
                    codes[k][c] = (long) Math.rint(Math.scalb((double) values[k * classes + c], outputExponent));
                }
            }
            return new FakeQuantRun(codes, predictions);
        }
    }

    static FakeQuantRun fakeQuant(
            Network folded, StateDict weights, QuantPlan plan, ImageSource test, int batchSize, int outputExponent) {
        return logits(folded, weights, plan, test, batchSize).codes(outputExponent);
    }

    /** Runs the folded network under the plan over every image of test, in order, keeping the logits. */
    public static Logits logits(Network folded, StateDict weights, QuantPlan plan, ImageSource test, int batchSize) {
        EngineSetup.noGradOnThisThread();
        Batches batches = Batches.inOrder(test, batchSize, 0);
        float[][] perBatch = new float[batches.count()][];
        int[] pred = new int[batches.images()];
        try (NDManager manager = NDManager.newBaseManager();
                LoadedNetwork model = new LoadedNetwork(folded, weights, manager)) {
            for (int b = 0; b < batches.count(); b++) {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray images = batches.images(manager, b);
                    NDArray logits = model.forward(images, plan, null, false)
                            .reshape(images.getShape().get(0), -1);
                    long[] arg = logits.argMax(1).toLongArray();
                    for (int i = 0; i < arg.length; i++) {
                        pred[b * batchSize + i] = (int) arg[i];
                    }
                    perBatch[b] = logits.toFloatArray();
                }
            }
        }
        float[] all = new float[Arrays.stream(perBatch).mapToInt(v -> v.length).sum()];
        int at = 0;
        for (float[] v : perBatch) {
            System.arraycopy(v, 0, all, at, v.length);
            at += v.length;
        }
        return new Logits(all, pred);
    }
}
