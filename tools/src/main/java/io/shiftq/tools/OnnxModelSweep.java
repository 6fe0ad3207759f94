package io.shiftq.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shiftq.engine.io.Npz;
import io.shiftq.engine.pipeline.ImportedModelCheck;
import io.shiftq.schema.report.IntegerCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code OnnxModelSweep <export-dir> [table.md]}: the import sweep of issue 20 over the folder
 * {@code scripts/models/export_torchvision.py} wrote. For each export: imported or the one-line reason; the engine's
 * FP32 logits against ONNX Runtime's (max |diff| over the first {@value #FP32_INPUTS} inputs); then W8A8 (per-channel
 * weights) PTQ calibrated on the export's random inputs, the integer model built, and its executor compared with
 * fake-quant logit code by logit code on all of them (or why the integer path refused), and the exported C reference
 * compiled and run against the Java integer executor ({@link CReferenceCheck}). Prints a Markdown table.
 */
public final class OnnxModelSweep {
    /** Inputs compared with ONNX Runtime in FP32. */
    static final int FP32_INPUTS = 16;

    /**
     * One row of the table.
     *
     * @param model torchvision model name
     * @param exporter dynamo or torchscript
     * @param size input height and width
     * @param imported "yes" or the one-line reason
     * @param fp32MaxDiff max |engine - ONNX Runtime| over the FP32 inputs, NaN when not imported
     * @param integer integer executor vs fake-quant, or why it did not run
     * @param c the C reference vs the Java integer executor, or why it did not run
     */
    record Row(String model, String exporter, int size, String imported, double fp32MaxDiff, String integer, String c) {
        String markdown() {
            return String.format(
                    Locale.ROOT,
                    "| %s | %s | %d | %s | %s | %s | %s |",
                    model,
                    exporter,
                    size,
                    imported,
                    Double.isNaN(fp32MaxDiff) ? "-" : String.format(Locale.ROOT, "%.2g", fp32MaxDiff),
                    integer,
                    c == null ? "-" : c);
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
        List<String> lines = new ArrayList<>();
        lines.add("| model | exporter | input | imported | FP32 vs ONNX Runtime, max abs diff (" + FP32_INPUTS
                + " inputs) | W8A8 integer executor vs fake-quant | C reference vs Java integer executor |");
        lines.add("|---|---|---|---|---|---|---|");
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

    static Row row(Path dir, JsonNode e) throws IOException {
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
                    "-",
                    null);
        }
        Path folder = dir.resolve(e.get("dir").asText());
        float[] x = Npz.read(folder.resolve("inputs.npz")).get("x").floats();
        float[] ort = Npz.read(folder.resolve("logits.npz")).get("logits").floats();
        int classes = e.get("classes").asInt();
        float[] reference = Arrays.copyOf(ort, Math.min(ort.length, FP32_INPUTS * classes));
        ImportedModelCheck.Result r = ImportedModelCheck.run(
                folder.resolve(e.get("onnx").asText()), x, reference, deploy -> CReferenceCheck.run(deploy, x));
        if (!r.imported()) {
            return new Row(model, exporter, size, "no: " + oneLine(r.refusal()), Double.NaN, "-", null);
        }
        IntegerCheck c = r.integer();
        String integer = c == null
                ? "not run: " + oneLine(r.integerRefusal())
                : String.format(
                        Locale.ROOT,
                        "%d of %d inputs with a differing logit code (%d predictions differ)",
                        c.logitMismatches(),
                        c.images(),
                        c.predictionMismatches());
        return new Row(model, exporter, size, "yes", r.fp32MaxDiff(), integer, r.deployed());
    }

    private static String oneLine(String s) {
        String line =
                s == null ? "(no message)" : s.lines().findFirst().orElse("").replace("|", "/");
        return line.length() <= 400 ? line : line.substring(0, 397) + "...";
    }
}
