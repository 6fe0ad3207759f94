package io.shiftq.schema.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The YAML files users copy from must stay valid as the schema changes. */
class ConfigFilesTest {

    // Surefire runs in the module directory; configs/ sits beside it.
    private static final Path CONFIGS = Path.of("..", "configs");

    private static List<Path> yamlFiles() throws IOException {
        try (Stream<Path> files = Files.walk(CONFIGS)) {
            // kustomization.yaml is k8s/'s ConfigMap generator over these files, not a job config.
            return files.filter(
                            f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                    .filter(f -> !f.getFileName().toString().equals("kustomization.yaml"))
                    .sorted()
                    .toList();
        }
    }

    @Test
    void everyConfigFileValidates() throws IOException {
        List<Path> files = yamlFiles();
        assertThat(files)
                .extracting(f -> CONFIGS.relativize(f).toString().replace('\\', '/'))
                .contains(
                        "quantization_config.yaml",
                        "examples/w4a8.yaml",
                        "examples/per_channel.yaml",
                        "examples/max_rounding.yaml",
                        "examples/demo.yaml",
                        "examples/w4a8_per_tensor_equalized.yaml");
        for (Path file : files) {
            assertThat(QuantizationConfig.load(file).problems())
                    .as(file.toString())
                    .isEmpty();
        }
    }

    @Test
    void mainConfigSpellsOutTheDefaults() {
        assertThat(QuantizationConfig.load(CONFIGS.resolve("quantization_config.yaml")))
                .isEqualTo(QuantizationConfig.defaults());
    }

    @Test
    void examplesSayWhatTheirNamesSay() {
        QuantizationConfig w4a8 = QuantizationConfig.load(CONFIGS.resolve("examples/w4a8.yaml"));
        assertThat(w4a8.quantization().weight().bitwidth()).isEqualTo(4);
        assertThat(w4a8.quantization().input().bitwidth()).isEqualTo(8);
        assertThat(w4a8.training().scheduler().interval()).isEqualTo("step");
        QuantizationConfig equalized =
                QuantizationConfig.load(CONFIGS.resolve("examples/w4a8_per_tensor_equalized.yaml"));
        assertThat(equalized.quantization().weight().perChannel()).isFalse();
        assertThat(equalized.ptq().crossLayerEqualization()).isTrue();
        assertThat(equalized.ptq().biasCorrection()).isTrue();
        assertThat(QuantizationConfig.load(CONFIGS.resolve("examples/per_channel.yaml"))
                        .quantization()
                        .weight()
                        .perChannel())
                .isTrue();
        assertThat(QuantizationConfig.load(CONFIGS.resolve("examples/max_rounding.yaml"))
                        .quantization()
                        .weight()
                        .rounding())
                .isEqualTo("max");
        QuantizationConfig demo = QuantizationConfig.load(CONFIGS.resolve("examples/demo.yaml"));
        assertThat(demo.data().trainLimit()).isEqualTo(12000);
        assertThat(demo.data().testLimit()).isZero();
        assertThat(demo.baseline()).isEqualTo(new BaselineConfig(1, 0.002));
        assertThat(demo.training().epochs()).isEqualTo(1);
        assertThat(demo.training().learningRate()).isEqualTo(0.0005);
        assertThat(demo.training().scheduler().type()).isEqualTo("StepLR");
    }
}
