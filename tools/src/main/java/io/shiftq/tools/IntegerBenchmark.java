package io.shiftq.tools;

import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.data.Datasets;
import io.shiftq.engine.data.IdxReader;
import io.shiftq.engine.data.ImageSet;
import io.shiftq.engine.deploy.exec.IntegerExecutor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The integer check's side of scripts/benchmark.sh: {@code IntegerBenchmark DEPLOY_DIR [REPEATS] [scalar]} loads the
 * exported {@code weights.npz} + {@code model.json}, runs the integer executor over the 10,000 Fashion-MNIST test
 * images REPEATS times (default 3) and prints one JSON line with the fastest run; with {@code scalar} also the scalar
 * loops (the executor before it ran on batches), and whether both gave the same codes.
 */
public final class IntegerBenchmark {
    private IntegerBenchmark() {}

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        EngineSetup.start();
        IntegerExecutor executor = IntegerExecutor.load(Path.of(args[0]));
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        boolean scalar = args.length > 2 && args[2].equals("scalar");
        ImageSet test = IdxReader.readSplit(Datasets.FASHION_MNIST_DIR, "t10k");
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
                "{\"integer_check\": \"%s\", \"images\": %d, \"threads\": %s, \"batched_s\": %.2f%s}%n",
                executor.model().network(),
                test.size(),
                System.getProperty("ai.djl.pytorch.num_threads"),
                best / 1e9,
                scalarPart);
    }
}
