package io.shiftq.tools;

import io.shiftq.engine.deploy.c.CProgram;
import io.shiftq.engine.deploy.exec.IntegerExecutor;
import io.shiftq.engine.deploy.ops.IntegerModel;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The model sweep's C column: the deployment folder's C reference compiled with gcc ({@code -O2 -std=c99 -Wall
 * -Wextra -Werror}) and run on 8-bit images made from the sweep's inputs (pixel = clamp(round(32 x + 128), 0, 255),
 * written as an IDX file of [n][C][H][W]), against the Java integer executor on the same images (p / 255, as the C
 * program's pixel table reads them): how many images have a differing logit code. Models over {@link #MAX_PARAMETERS}
 * weights are not compiled (resnet34 and up: gcc on a header of 100 MB of initializers takes minutes and gigabytes; the property
 * {@code shiftq.sweep.c.maxParameters} moves the limit). A model that records {@code data.normalize} gets the
 * normalized pixels on the Java side, as the C program's pixel table computes them.
 *
 * <p>Run alone on one deployment folder (a job's {@code deploy/}), optionally under AddressSanitizer and UBSan:
 * {@code CReferenceCheck DEPLOY_DIR [IMAGES] [--sanitized]} prints the same line (seeded standard-normal inputs).
 */
final class CReferenceCheck {
    /** Weights above which the C column is not run. */
    static final long MAX_PARAMETERS = Long.getLong("shiftq.sweep.c.maxParameters", 12_000_000L);

    private CReferenceCheck() {}

    /** One deployment folder: DEPLOY_DIR [IMAGES (default 16)] [--sanitized]. */
    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 1) {
            System.err.println("usage: CReferenceCheck DEPLOY_DIR [IMAGES] [--sanitized]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        int images = args.length > 1 && !args[1].startsWith("--") ? Integer.parseInt(args[1]) : 16;
        boolean sanitized = List.of(args).contains("--sanitized");
        int[] s = IntegerExecutor.load(dir).model().inputShape();
        float[] x = new float[images * s[0] * s[1] * s[2]];
        Random random = new Random(0);
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) random.nextGaussian();
        }
        System.out.println(compare(dir, x, sanitized ? CProgram.SANITIZED : List.of()));
    }

    /** The table cell; a failure is the cell's text, not the end of the sweep. */
    static String run(Path dir, float[] inputs) {
        try {
            return compare(dir, inputs, List.of());
        } catch (IOException | RuntimeException e) {
            String m = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            return "failed: " + m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static String compare(Path dir, float[] inputs, List<String> flags)
            throws IOException, InterruptedException {
        IntegerExecutor java = IntegerExecutor.load(dir);
        IntegerModel model = java.model();
        long parameters = model.weighted().stream()
                .mapToLong(w -> w.weights().codes().length)
                .sum();
        if (parameters > MAX_PARAMETERS) {
            return String.format(
                    Locale.ROOT, "not run: %.1fM weights (limit %.1fM)", parameters / 1e6, MAX_PARAMETERS / 1e6);
        }
        int[] s = model.inputShape();
        int n = inputs.length / (s[0] * s[1] * s[2]);
        byte[] pixels = new byte[inputs.length];
        float[] read = new float[inputs.length];
        int plane = s[1] * s[2];
        for (int k = 0; k < inputs.length; k++) {
            int p = (int) Math.max(0, Math.min(255, Math.round(32 * inputs[k] + 128)));
            pixels[k] = (byte) p;
            read[k] = model.normalization() == null
                    ? p / 255f
                    : model.normalization().apply(k / plane % s[0], p / 255f);
        }
        Path idx = dir.resolve("images-idx4-ubyte");
        Path labels = dir.resolve("labels-idx1-ubyte");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(idx));
                DataOutputStream lout = new DataOutputStream(Files.newOutputStream(labels))) {
            out.writeInt(s[0] == 1 ? 0x803 : 0x804);
            out.writeInt(n);
            if (s[0] != 1) {
                out.writeInt(s[0]);
            }
            out.writeInt(s[1]);
            out.writeInt(s[2]);
            out.write(pixels);
            lout.writeInt(0x801);
            lout.writeInt(n);
            lout.write(new byte[n]);
        }
        long started = System.nanoTime();
        CProgram c = CProgram.compile(dir, dir.resolve("shiftq_main"), flags);
        double compile = (System.nanoTime() - started) / 1e9;
        CProgram.Run run = c.run(idx, labels, n, dir);
        IntegerExecutor.Result j = java.run(read);
        int differing = 0;
        for (int k = 0; k < n; k++) {
            differing += Arrays.equals(run.codes()[k], j.codes()[k]) ? 0 : 1;
        }
        return String.format(
                Locale.ROOT,
                "%d of %d images with a differing logit code (gcc -Werror%s %.0f s, header %.1f MB)",
                differing,
                n,
                flags.isEmpty() ? "" : " " + String.join(" ", flags),
                compile,
                Files.size(dir.resolve("shiftq_model.h")) / 1e6);
    }
}
