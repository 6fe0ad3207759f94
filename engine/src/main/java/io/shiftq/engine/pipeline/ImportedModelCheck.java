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
     */
    public record Result(String refusal, double fp32MaxDiff, IntegerCheck integer, String integerRefusal) {
        /** Whether the model imported. */
        public boolean imported() {
            return refusal == null;
        }
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
        OnnxImport.Imported m;
        try {
            m = OnnxImport.load(onnx);
        } catch (IOException | RuntimeException e) {
            return new Result(oneLine(e), Double.NaN, null, null);
        }
        int[] s = m.network().inputShape();
        ImageSet images = new ImageSet(inputs, new int[inputs.length / (s[0] * s[1] * s[2])], s[0], s[1], s[2]);
        double diff = fp32MaxDiff(m, images, reference);
        try {
            return new Result(null, diff, integer(onnx, m, images), null);
        } catch (IOException | RuntimeException e) {
            return new Result(null, diff, null, oneLine(e));
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

    private static IntegerCheck integer(Path onnx, OnnxImport.Imported m, ImageSet images) throws IOException {
        int classes = m.network().numClasses();
        QuantizationConfig config = QuantizationConfig.parseYaml(W8A8.formatted(onnx.toAbsolutePath(), classes));
        PreparedJob job =
                new PreparedJob(config, new DataSplits("inputs", images, images, classes), m.network(), m.weights());
        JobEngine engine = new QuantizationEngine().job(job);
        Path out = Files.createTempDirectory("shiftq-check");
        try {
            StageResults.Ptq ptq = engine.ptq(m.weights());
            StageResults.FinalPtq fin = engine.finalPtq(ptq.network(), ptq.weights());
            return engine.deploy(ptq.network(), ptq.weights(), fin.plan(), fin.logits(), out)
                    .check();
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
