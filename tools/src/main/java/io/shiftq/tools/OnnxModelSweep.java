package io.shiftq.tools;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.data.DataSplits;
import io.shiftq.engine.data.ImageSet;
import io.shiftq.engine.io.Npz;
import io.shiftq.engine.nn.LoadedNetwork;
import io.shiftq.engine.onnx.OnnxImport;
import io.shiftq.engine.pipeline.PreparedJob;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.engine.pipeline.StepResults;
import io.shiftq.engine.quant.QuantPlan;
import io.shiftq.schema.config.QuantizationConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code OnnxModelSweep <export-dir> [table.md]}: the import sweep of issue 20 over the folder
 * {@code scripts/models/export_torchvision.py} wrote. For each export: imported or the one-line reason; the engine's
 * FP32 logits against ONNX Runtime's (max |diff| over the first {@value #FP32_INPUTS} inputs); then W8A8 (per-channel
 * weights) PTQ calibrated on the export's random inputs, the integer model built, and its executor compared with
 * fake-quant logit code by logit code on all of them (or why the integer path refused). Prints a Markdown table.
 */
public final class OnnxModelSweep {
    /** Inputs compared with ONNX Runtime in FP32. */
    static final int FP32_INPUTS = 16;

    private static final String W8A8 = """
            model: {path: %s, num_classes: %d}
            data: {dataset: Synthetic, batch_size: 16}
            ptq: {calibration_batches: 4}
            training: {epochs: 0}
            quantization: {weight: {bitwidth: 8, per_channel: true}}
            """;

    /**
     * One row of the table.
     *
     * @param model torchvision model name
     * @param exporter dynamo or torchscript
     * @param size input height and width
     * @param imported "yes" or the one-line reason
     * @param fp32MaxDiff max |engine - ONNX Runtime| over the FP32 inputs, NaN when not imported
     * @param integer integer executor vs fake-quant, or why it did not run
     */
    record Row(String model, String exporter, int size, String imported, double fp32MaxDiff, String integer) {
        String markdown() {
            return String.format(
                    Locale.ROOT,
                    "| %s | %s | %d | %s | %s | %s |",
                    model,
                    exporter,
                    size,
                    imported,
                    Double.isNaN(fp32MaxDiff) ? "-" : String.format(Locale.ROOT, "%.2g", fp32MaxDiff),
                    integer);
        }
    }

    private OnnxModelSweep() {}

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: OnnxModelSweep <export-dir> [table.md]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        JsonNode manifest =
                new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
        EngineSetup.start();
        List<String> lines = new ArrayList<>();
        lines.add("| model | exporter | input | imported | FP32 vs ONNX Runtime, max abs diff (" + FP32_INPUTS
                + " inputs) | W8A8 integer executor vs fake-quant |");
        lines.add("|---|---|---|---|---|---|");
        lines.forEach(System.out::println);
        for (JsonNode e : manifest.get("exports")) {
            String line = row(dir, e).markdown();
            System.out.println(line);
            lines.add(line);
        }
        if (args.length > 1) {
            Files.write(Path.of(args[1]), lines);
        }
    }

    static Row row(Path dir, JsonNode e) {
        String model = e.get("model").asText();
        String exporter = e.get("exporter").asText();
        int size = e.get("size").asInt();
        if (!e.get("status").asText().equals("exported")) {
            return new Row(
                    model,
                    exporter,
                    size,
                    "export failed: " + oneLine(e.get("reason").asText()),
                    Double.NaN,
                    "-");
        }
        Path folder = dir.resolve(e.get("dir").asText());
        Path onnx = folder.resolve(e.get("onnx").asText());
        OnnxImport.Imported m;
        try {
            m = OnnxImport.load(onnx);
        } catch (IOException | RuntimeException ex) {
            return new Row(model, exporter, size, "no: " + oneLine(ex.getMessage()), Double.NaN, "-");
        }
        try {
            ImageSet inputs = inputs(folder, m);
            double diff = fp32MaxDiff(m, inputs, folder);
            return new Row(model, exporter, size, "yes", diff, integer(onnx, m, inputs));
        } catch (IOException | RuntimeException ex) {
            return new Row(model, exporter, size, "yes", Double.NaN, "failed: " + oneLine(ex.getMessage()));
        }
    }

    private static ImageSet inputs(Path folder, OnnxImport.Imported m) throws IOException {
        Npz.Array x = Npz.read(folder.resolve("inputs.npz")).get("x");
        int[] s = m.network().inputShape();
        int n = (int) x.shape()[0];
        return new ImageSet(x.floats(), new int[n], s[0], s[1], s[2]);
    }

    private static double fp32MaxDiff(OnnxImport.Imported m, ImageSet inputs, Path folder) throws IOException {
        float[] ort = Npz.read(folder.resolve("logits.npz")).get("logits").floats();
        int[] s = m.network().inputShape();
        float[] engine;
        try (NDManager manager = NDManager.newBaseManager();
                LoadedNetwork net = new LoadedNetwork(m.network(), m.weights(), manager)) {
            EngineSetup.noGradOnThisThread();
            float[] x = inputs.limit(FP32_INPUTS).pixels();
            engine = net.forward(
                            manager.create(x, new Shape(FP32_INPUTS, s[0], s[1], s[2])), QuantPlan.FLOAT, null, false)
                    .toFloatArray();
        }
        double max = 0;
        for (int i = 0; i < engine.length; i++) {
            max = Math.max(max, Math.abs(engine[i] - ort[i]));
        }
        return max;
    }

    /** W8A8 PTQ on the inputs, the integer model exported and checked against fake-quant on every input. */
    private static String integer(Path onnx, OnnxImport.Imported m, ImageSet inputs) throws IOException {
        QuantizationConfig config = QuantizationConfig.parseYaml(
                W8A8.formatted(onnx.toAbsolutePath(), m.network().numClasses()));
        DataSplits data = new DataSplits("random", inputs, inputs, m.network().numClasses());
        PreparedJob job = new PreparedJob(config, data, m.network(), m.weights());
        QuantizationEngine engine = new QuantizationEngine();
        Path out = Files.createTempDirectory("sweep-deploy");
        try {
            StepResults.Ptq ptq = engine.ptq(job, m.weights());
            StepResults.FinalPtq fin = engine.finalPtq(job, ptq.network(), ptq.weights());
            StepResults.Deployed d = engine.deploy(job, ptq.network(), ptq.weights(), fin.plan(), fin.logits(), out);
            return String.format(
                    Locale.ROOT,
                    "%d of %d inputs with a differing logit code (%d predictions differ)",
                    d.check().logitMismatches(),
                    d.check().images(),
                    d.check().predictionMismatches());
        } catch (RuntimeException ex) {
            return "not run: " + oneLine(ex.getMessage());
        } finally {
            deleteTree(out);
        }
    }

    private static String oneLine(String s) {
        String line =
                s == null ? "(no message)" : s.lines().findFirst().orElse("").replace("|", "/");
        return line.length() <= 400 ? line : line.substring(0, 397) + "...";
    }

    private static void deleteTree(Path p) throws IOException {
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
