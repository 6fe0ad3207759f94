package io.shiftq.tools;

import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.data.Datasets;
import io.shiftq.engine.data.IdxReader;
import io.shiftq.engine.data.ImageSet;
import io.shiftq.engine.deploy.exec.IntegerExecutor;
import io.shiftq.engine.deploy.ops.IntegerModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * The integer check's side of scripts/benchmark.sh: {@code IntegerBenchmark DEPLOY_DIR [REPEATS] [scalar]} loads the
 * exported {@code weights.npz} + {@code model.json}, runs the integer executor over the 10,000 Fashion-MNIST test
 * images REPEATS times (default 3) and prints one JSON line with the fastest run; with {@code scalar} also the scalar
 * loops (the executor before it ran on batches), and whether both gave the same codes. With {@code random:N} in place
 * of {@code scalar} the input is N seeded uniform [0, 1) images of the model's own input shape, normalized as the
 * model says (for models that do not read 1x28x28, such as resnet18 at 224x224).
 */
public final class IntegerBenchmark {
    private IntegerBenchmark() {}

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        EngineSetup.start();
        IntegerExecutor executor = IntegerExecutor.load(Path.of(args[0]));
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        boolean scalar = args.length > 2 && args[2].equals("scalar");
        int random = args.length > 2 && args[2].startsWith("random:") ? Integer.parseInt(args[2].substring(7)) : 0;
        ImageSet test = random > 0
                ? randomImages(executor.model(), random)
                : IdxReader.readSplit(Datasets.FASHION_MNIST_DIR, "t10k");
        IntegerExecutor.Result batched = null;
        long best = Long.MAX_VALUE;
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            batched = executor.run(test.pixels());
            best = Math.min(best, System.nanoTime() - t0);
        }
        String scalarPart = "";
        if (scalar) {
            long t0 = System.nanoTime();
            IntegerExecutor.Result loops = executor.runScalar(test.pixels());
            double seconds = (System.nanoTime() - t0) / 1e9;
            boolean same = Arrays.deepEquals(loops.codes(), batched.codes());
            scalarPart = String.format(Locale.ROOT, ", \"scalar_s\": %.1f, \"same_codes\": %b", seconds, same);
        }
        System.out.printf(
                Locale.ROOT,
                "{\"integer_check\": \"%s\", \"input\": \"%s\", \"images\": %d, \"threads\": %s,"
                        + " \"batched_s\": %.2f, \"images_per_s\": %.1f%s}%n",
                executor.model().network(),
                random > 0 ? "random " + Arrays.toString(executor.model().inputShape()) : "Fashion-MNIST t10k",
                test.size(),
                System.getProperty("ai.djl.pytorch.num_threads"),
                best / 1e9,
                test.size() / (best / 1e9),
                scalarPart);
    }

    /** n seeded uniform [0, 1) images of the model's input shape, normalized as its deployment files say. */
    static ImageSet randomImages(IntegerModel model, int n) {
        int[] s = model.inputShape();
        float[] pixels = new float[n * s[0] * s[1] * s[2]];
        Random rnd = new Random(0);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = rnd.nextFloat();
        }
        ImageSet images = new ImageSet(pixels, new int[n], s[0], s[1], s[2]);
        IntegerModel.InputNormalization norm = model.normalization();
        return norm == null ? images : images.normalized(norm.mean(), norm.std());
    }
}
