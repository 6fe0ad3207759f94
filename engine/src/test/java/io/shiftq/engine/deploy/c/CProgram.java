package io.shiftq.engine.deploy.c;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * The exported C reference built with gcc and run: {@code shiftq_main.c} (which includes {@code shiftq_model.c})
 * compiled in the deployment folder, run on IDX files, its logit codes read back.
 *
 * @param binary the executable
 */
public record CProgram(Path binary) {
    /** The warnings every build is held to: C99, {@code -Wall -Wextra}, warnings as errors. */
    public static final List<String> STRICT = List.of("-O2", "-std=c99", "-Wall", "-Wextra", "-Werror");
    /** AddressSanitizer and UndefinedBehaviorSanitizer, stopping at the first report so it fails the run. */
    public static final List<String> SANITIZED =
            List.of("-fsanitize=undefined,address", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer");

    private static final String INSTALL_HINT =
            "install gcc and its sanitizer runtimes (Debian: apt-get install gcc libasan8 libubsan1)";
    private static final Pattern SPEED = Pattern.compile("inference ([0-9.]+) s CPU, ([0-9]+) images/s");

    /**
     * What a run printed and wrote.
     *
     * @param predictions the predicted class per image
     * @param codes the logit codes per image
     * @param cpuSeconds CPU time of the inference calls alone (the program's own {@code clock()})
     * @param output what the program printed
     */
    public record Run(int[] predictions, long[][] codes, double cpuSeconds, String output) {
        /** Images per CPU second. */
        public double imagesPerSecond() {
            return predictions.length / cpuSeconds;
        }
    }

    /**
     * Compiles {@code shiftq_main.c} of a deployment folder into {@code binary} with {@link #STRICT} and the extra
     * flags (e.g. {@link #SANITIZED}, {@code -DSHIFTQ_ROUND_FLOOR=1}).
     *
     * @throws IllegalStateException when gcc is missing or the build fails, with gcc's messages
     */
    public static CProgram compile(Path deployDir, Path binary, List<String> extraFlags)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("gcc"));
        cmd.addAll(STRICT);
        cmd.addAll(extraFlags);
        cmd.addAll(List.of("-o", binary.toAbsolutePath().toString(), CSource.MAIN_FILE));
        Result r = exec(cmd, deployDir);
        if (r.exit() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + r.exit() + ") in " + deployDir
                    + "; if a tool or library is missing, " + INSTALL_HINT + ":\n" + r.output());
        }
        return new CProgram(binary);
    }

    /**
     * Runs the program on uncompressed IDX images and labels; the logit codes go through a file in workDir.
     *
     * @param limit images to run (the first ones)
     * @throws IllegalStateException when the program fails or a sanitizer reports anything, with its output
     */
    public Run run(Path images, Path labels, int limit, Path workDir) throws IOException, InterruptedException {
        Path codesFile = Files.createTempFile(workDir, "codes", ".txt");
        List<String> cmd = List.of(
                binary.toAbsolutePath().toString(),
                images.toAbsolutePath().toString(),
                labels.toAbsolutePath().toString(),
                codesFile.toAbsolutePath().toString(),
                Integer.toString(limit));
        Result r = exec(cmd, workDir);
        if (r.exit() != 0 || r.output().contains("runtime error") || r.output().contains("Sanitizer")) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + r.exit() + "):\n" + r.output());
        }
        List<String> lines = Files.readAllLines(codesFile);
        Files.delete(codesFile);
        int[] predictions = new int[lines.size()];
        long[][] codes = new long[lines.size()][];
        for (int k = 0; k < lines.size(); k++) {
            String[] f = lines.get(k).trim().split(" ");
            predictions[k] = Integer.parseInt(f[0]);
            codes[k] = new long[f.length - 1];
            for (int c = 1; c < f.length; c++) {
                codes[k][c - 1] = Long.parseLong(f[c]);
            }
        }
        Matcher m = SPEED.matcher(r.output());
        return new Run(predictions, codes, m.find() ? Double.parseDouble(m.group(1)) : Double.NaN, r.output());
    }

    /**
     * The IDX file uncompressed into dir (a {@code .gz} is inflated, a plain file copied), as {@code shiftq_main}
     * reads it.
     */
    public static Path uncompressedIdx(Path idx, Path dir) throws IOException {
        String name = idx.getFileName().toString();
        Path out = dir.resolve(name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name);
        try (InputStream in = name.endsWith(".gz")
                ? new GZIPInputStream(Files.newInputStream(idx), 1 << 16)
                : Files.newInputStream(idx)) {
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
        }
        return out;
    }

    private record Result(int exit, String output) {}

    private static Result exec(List<String> cmd, Path dir) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    cmd.get(0) + " cannot be started (" + e.getMessage() + "); " + INSTALL_HINT, e);
        }
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(1, TimeUnit.HOURS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " did not end within an hour");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
