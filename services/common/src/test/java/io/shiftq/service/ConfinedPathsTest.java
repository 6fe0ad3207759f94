package io.shiftq.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shiftq.schema.config.ConfigException;
import io.shiftq.schema.config.QuantizationConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfinedPathsTest {

    @TempDir
    Path tmp;

    private Path data;
    private Path models;
    private ConfinedPaths paths;

    @BeforeEach
    void roots() throws Exception {
        data = Files.createDirectories(tmp.resolve("datasets"));
        models = Files.createDirectories(tmp.resolve("models"));
        Files.createDirectories(data.resolve("fashion-mnist"));
        paths = new ConfinedPaths(List.of(data), List.of(models));
    }

    private static QuantizationConfig config(String dataPath, String weights) {
        return QuantizationConfig.parseYaml(
                "data: {path: '" + dataPath + "'}" + (weights == null ? "" : "\nmodel: {weights: '" + weights + "'}"));
    }

    @Test
    void pathsInsideTheRootsPass() {
        QuantizationConfig c = config(data.resolve("fashion-mnist").toString(), "file:" + models.resolve("m.npz"));
        assertThat(paths.check(c)).isSameAs(c);
    }

    @Test
    void aPathOutsideIsRefusedNamingTheFieldAndTheRoots() {
        assertThatThrownBy(() -> paths.check(config("/etc", "/root/.ssh/id_rsa.npz")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .containsExactly(
                                "data.path: '/etc' is outside the allowed roots [" + data.toRealPath()
                                        + "] (shiftq.data.roots)",
                                "model.weights: '/root/.ssh/id_rsa.npz' is outside the allowed roots ["
                                        + models.toRealPath() + "] (shiftq.models.roots)"));
    }

    @Test
    void anOnnxModelOutsideTheModelRootsIsRefused() {
        assertThatThrownBy(() -> paths.check(QuantizationConfig.parseYaml(
                        "data: {path: '" + data + "'}\n" + "model: {path: '/tmp/elsewhere/model.onnx'}")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("model.path: '/tmp/elsewhere/model.onnx' is outside the allowed roots");
    }

    @Test
    void dotDotCannotLeadOutOfARoot() {
        assertThatThrownBy(() -> paths.check(config(data + "/../../etc", null)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("data.path");
    }

    @Test
    void aSymbolicLinkInsideARootCannotLeadOutOfIt() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("secret"));
        Files.createSymbolicLink(data.resolve("escape"), outside);
        assertThatThrownBy(() -> paths.check(config(data.resolve("escape").toString(), null)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("data.path");
    }
}
