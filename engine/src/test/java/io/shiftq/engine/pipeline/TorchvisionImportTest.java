package io.shiftq.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.shiftq.engine.io.Npz;
import io.shiftq.schema.config.QuantizationConfig;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * torchvision classifiers as today's PyTorch exports them (scripts/models/export_torchvision.py: the default dynamo
 * exporter with its weights in {@code <model>.onnx.data}, and the TorchScript exporter at opset 13), random weights
 * with trained-looking BatchNorm, 64x64 inputs: imported, FP32 equal to ONNX Runtime, and W8A8 integer executor
 * equal to fake-quant on every logit code (resnet18's stem pool is padded; mobilenet_v3_small brings HardSwish and
 * squeeze-excitation products, shufflenet_v2 channel splits and shuffles). The full list of models is the sweep in docs/onnx-models.md; bad inputs (a truncated file, external data missing or leading out of the model's
 * folder, a size that does not match the data) fail naming {@code model.path}.
 */
class TorchvisionImportTest {
    private static final int INPUTS = 16;
    private static final int CLASSES = 1000;

    @TempDir
    static Path exports;

    @BeforeAll
    static void export() throws Exception {
        Path repo = Path.of("..").toAbsolutePath().normalize();
        String python = System.getenv("SHIFTQ_PYTHON");
        if (python == null || python.isBlank()) {
            // The script prints the environment's path on its last line (after progress when it creates it).
            python = run(repo, "bash", "scripts/python-env.sh")
                            .strip()
                            .lines()
                            .reduce((a, b) -> b)
                            .orElse("") + "/bin/python";
        }
        run(
                repo,
                python,
                "scripts/models/export_torchvision.py",
                "--out",
                exports.toString(),
                "--models",
                "resnet18,mobilenet_v2,mobilenet_v3_small,shufflenet_v2_x0_5",
                "--size",
                "64",
                "--inputs",
                String.valueOf(INPUTS));
    }

    @ParameterizedTest(name = "{0} ({1} exporter)")
    @CsvSource({
        "mobilenet_v2, dynamo",
        "mobilenet_v2, torchscript",
        "resnet18, dynamo",
        "resnet18, torchscript",
        "mobilenet_v3_small, dynamo",
        "mobilenet_v3_small, torchscript",
        "shufflenet_v2_x0_5, dynamo",
        "shufflenet_v2_x0_5, torchscript"
    })
    void importsGivesOnnxRuntimesLogitsAndWhereTheIntegerPathRunsMatchesFakeQuant(String model, String exporter)
            throws IOException {
        Path folder = exports.resolve(model + "-" + exporter);
        float[] x = Npz.read(folder.resolve("inputs.npz")).get("x").floats();
        float[] ort = Npz.read(folder.resolve("logits.npz")).get("logits").floats();
        assertThat(Files.exists(folder.resolve(model + ".onnx.data")))
                .as("the default exporter writes external data")
                .isEqualTo(exporter.equals("dynamo"));

        ImportedModelCheck.Result r = ImportedModelCheck.run(folder.resolve(model + ".onnx"), x, ort);

        assertThat(r.refusal()).isNull();
        assertThat(r.fp32MaxDiff()).as("max |engine FP32 - ONNX Runtime|").isLessThan(1e-4);
        // resnet18's and shufflenet's stem MaxPool pads by 1: a padded pool in integers; mobilenet_v3's
        // squeeze-excitation multiplies by a HardSigmoid gate and its HardSwish is a table (TorchScript writes it as
        // x * HardSigmoid(x), fused on import); shufflenet splits, shuffles and concatenates channels.
        assertThat(r.integerRefusal()).isNull();
        assertThat(r.integer().images()).isEqualTo(INPUTS);
        assertThat(r.integer().logitMismatches()).isZero();
    }

    @Test
    void aTruncatedModelFailsNamingModelPath(@TempDir Path dir) throws IOException {
        Path f = copy("resnet18-torchscript", "resnet18.onnx", dir);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(raf.length() / 2);
        }
        assertThatThrownBy(() -> PreparedJob.load(config(f)))
                .hasMessageStartingWith("model.path: ")
                .hasMessageContaining("not a readable ONNX model (truncated or not ONNX)");
    }

    @Test
    void missingExternalDataFailsNamingTheFileToCopy(@TempDir Path dir) throws IOException {
        Path f = copy("resnet18-dynamo", "resnet18.onnx", dir);
        assertThatThrownBy(() -> PreparedJob.load(config(f)))
                .hasMessageStartingWith("model.path: ")
                .hasMessageContaining("keeps its values in 'resnet18.onnx.data', which is missing");
    }

    @Test
    void externalDataLinkedFromOutsideTheModelsFolderIsRefused(@TempDir Path dir) throws IOException {
        Path inside = Files.createDirectories(dir.resolve("models"));
        Path f = copy("resnet18-dynamo", "resnet18.onnx", inside);
        Path elsewhere = copy("resnet18-dynamo", "resnet18.onnx.data", Files.createDirectories(dir.resolve("other")));
        Files.createSymbolicLink(inside.resolve("resnet18.onnx.data"), elsewhere);
        assertThatThrownBy(() -> PreparedJob.load(config(f)))
                .hasMessageStartingWith("model.path: ")
                .hasMessageContaining("leads outside the model's directory");
    }

    @Test
    void anExternalDataLocationWithDotDotIsRefused(@TempDir Path dir) throws IOException {
        Path f = copy("resnet18-dynamo", "resnet18.onnx", Files.createDirectories(dir.resolve("models")));
        // Same length, so the protobuf string lengths stay valid: the file now names ../resnet18.onnx.d.
        byte[] bytes = Files.readAllBytes(f);
        byte[] from = "resnet18.onnx.data".getBytes(StandardCharsets.UTF_8);
        byte[] to = "../resnet18.onnx.d".getBytes(StandardCharsets.UTF_8);
        int replaced = 0;
        for (int i = 0; i + from.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + from.length, from, 0, from.length)) {
                System.arraycopy(to, 0, bytes, i, to.length);
                replaced++;
            }
        }
        assertThat(replaced).isPositive();
        Files.write(f, bytes);
        assertThatThrownBy(() -> PreparedJob.load(config(f)))
                .hasMessageStartingWith("model.path: ")
                .hasMessageContaining("names external data '../resnet18.onnx.d' outside the model's directory");
    }

    @Test
    void aModelWhoseInputSizeDoesNotMatchTheDataFailsNamingModelPath() {
        Path f = exports.resolve("mobilenet_v2-torchscript/mobilenet_v2.onnx");
        assertThatThrownBy(() -> PreparedJob.load(config(f)))
                .hasMessageStartingWith("model.path: ")
                .hasMessageContaining("reads inputs of shape [3, 64, 64], data.dataset Synthetic gives [1, 28, 28]");
    }

    private static QuantizationConfig config(Path model) {
        return QuantizationConfig.parseYaml("""
                model: {path: %s, num_classes: %d}
                data: {dataset: Synthetic}
                """.formatted(model, CLASSES));
    }

    private static Path copy(String export, String file, Path dir) throws IOException {
        return Files.copy(exports.resolve(export).resolve(file), dir.resolve(file));
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0) {
            fail("`" + String.join(" ", command) + "` failed; the project's Python environment (torch, torchvision,"
                    + " onnx, onnxruntime) comes from scripts/python-env.sh, or set SHIFTQ_PYTHON:\n" + out);
        }
        return out;
    }
}
