package io.shiftq.engine.pipeline;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.data.DataSplits;
import io.shiftq.engine.data.ImageSet;
import io.shiftq.engine.nn.LoadedNetwork;
import io.shiftq.engine.onnx.OnnxImport;
import io.shiftq.engine.quant.QuantPlan;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.report.IntegerCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * What a user's exported model gets through, checked on given inputs: the import (or its one-line refusal), the
 * engine's FP32 logits against a reference runtime's (ONNX Runtime's, computed by the caller), and W8A8 PTQ with
 * per-channel weights calibrated on the same inputs, the integer model exported and its executor compared with
 * fake-quant on every input (or the integer path's refusal). The model sweep ({@code tools}' OnnxModelSweep) and the
 * torchvision import test both run it.
 */
public final class ImportedModelCheck {
    private static final String W8A8 = """
            model: {path: %s, num_classes: %d}
            data: {dataset: Synthetic, batch_size: 16}
            ptq: {calibration_batches: 4}
            training: {epochs: 0}
            quantization: {weight: {bitwidth: 8, per_channel: true}}
            """;

    /**
     * The outcome.
     *
     * @param refusal why the import refused the model, or null when it imported
     * @param fp32MaxDiff max |engine - reference| over the compared logits, NaN when not imported
     * @param integer integer executor vs fake-quant, or null when it did not run
     * @param integerRefusal why the integer path did not run, or null
     * @param deployed what the caller's check of the deployment folder said, or null when there was none
     */
    public record Result(
            String refusal, double fp32MaxDiff, IntegerCheck integer, String integerRefusal, String deployed) {
        /** Whether the model imported. */
        public boolean imported() {
            return refusal == null;
        }
    }

    /** A further check of the deployment folder while it exists (the sweep runs the C reference there). */
    @FunctionalInterface
    public interface DeployedCheck {
        /** What it found, for a table cell. */
        String check(Path deployDir) throws IOException, InterruptedException;
    }

    private ImportedModelCheck() {}

    /**
     * Runs the checks.
     *
     * @param onnx the model file
     * @param inputs inputs in the model's layout (labels unused); all of them calibrate and feed the integer check
     * @param reference the reference runtime's logits for the first {@code reference.length / classes} inputs
     */
    public static Result run(Path onnx, float[] inputs, float[] reference) {
        return run(onnx, inputs, reference, null);
    }

    /** As {@link #run(Path, float[], float[])}, then the further check on the deployment folder when not null. */
    public static Result run(Path onnx, float[] inputs, float[] reference, DeployedCheck deployed) {
        OnnxImport.Imported m;
        try {
            m = OnnxImport.load(onnx);
        } catch (IOException | RuntimeException e) {
            return new Result(oneLine(e), Double.NaN, null, null, null);
        }
        int[] s = m.network().inputShape();
        ImageSet images = new ImageSet(inputs, new int[inputs.length / (s[0] * s[1] * s[2])], s[0], s[1], s[2]);
        double diff = fp32MaxDiff(m, images, reference);
        String[] further = new String[1];
        try {
            IntegerCheck c =
                    integer(onnx, m, images, dir -> further[0] = deployed == null ? null : deployed.check(dir));
            return new Result(null, diff, c, null, further[0]);
        } catch (IOException | RuntimeException e) {
            return new Result(null, diff, null, oneLine(e), null);
        }
    }

    private static double fp32MaxDiff(OnnxImport.Imported m, ImageSet images, float[] reference) {
        int n = reference.length / m.network().numClasses();
        int[] s = m.network().inputShape();
        EngineSetup.start();
        float[] engine;
        try (NDManager manager = NDManager.newBaseManager();
                LoadedNetwork net = new LoadedNetwork(m.network(), m.weights(), manager)) {
            EngineSetup.noGradOnThisThread();
            float[] x = images.limit(n).pixels();
            engine = net.forward(manager.create(x, new Shape(n, s[0], s[1], s[2])), QuantPlan.FLOAT, null, false)
                    .toFloatArray();
        }
        double max = 0;
        for (int i = 0; i < engine.length; i++) {
            max = Math.max(max, Math.abs(engine[i] - reference[i]));
        }
        return max;
    }

    private static IntegerCheck integer(Path onnx, OnnxImport.Imported m, ImageSet images, DeployedCheck deployed)
            throws IOException {
        int classes = m.network().numClasses();
        QuantizationConfig config = QuantizationConfig.parseYaml(W8A8.formatted(onnx.toAbsolutePath(), classes));
        PreparedJob job =
                new PreparedJob(config, new DataSplits("inputs", images, images, classes), m.network(), m.weights());
        JobEngine engine = new QuantizationEngine().job(job);
        Path out = Files.createTempDirectory("shiftq-check");
        try {
            StageResults.Ptq ptq = engine.ptq(m.weights());
            StageResults.FinalPtq fin = engine.finalPtq(ptq.network(), ptq.weights());
            IntegerCheck check = engine.deploy(ptq.network(), ptq.weights(), fin.plan(), fin.logits(), out)
                    .check();
            try {
                deployed.check(out);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while checking " + out, e);
            }
            return check;
        } finally {
            try (Stream<Path> walk = Files.walk(out)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** The first line of an exception's message, for a table cell. */
    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse("");
    }
}
