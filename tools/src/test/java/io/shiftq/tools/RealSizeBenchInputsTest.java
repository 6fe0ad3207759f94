package io.shiftq.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.shiftq.engine.data.ImageSet;
import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.deploy.ops.IntegerModel.InputNormalization;
import io.shiftq.engine.model.BatchNormFolding;
import io.shiftq.engine.model.Layer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the real-size benchmarks feed the engine: an imported ONNX model, folded, and seeded inputs of its shape. */
class RealSizeBenchInputsTest {
    @Test
    void theOnnxModelIsImportedAtItsOwnShapeWithItsBatchNormFolded(@TempDir Path dir) throws Exception {
        Path onnx = dir.resolve("resnet_style.onnx");
        try (InputStream in = getClass().getResourceAsStream("/onnx/resnet_style.onnx")) {
            assertThat(in)
                    .as("the engine's test-jar holds onnx/resnet_style.onnx")
                    .isNotNull();
            Files.copy(in, onnx);
        }
        BatchNormFolding.Folded f = EngineBenchmark.folded(onnx);
        assertThat(f.network().name()).isEqualTo("resnet_style");
        assertThat(f.network().inputShape()).containsExactly(1, 28, 28);
        assertThat(f.network().nodes()).noneMatch(n -> n.layer() instanceof Layer.BatchNorm2d);
        BatchNormFolding.Folded vgg = EngineBenchmark.folded(null);
        assertThat(vgg.network().name()).isEqualTo("VGGSmall");
    }

    @Test
    void randomInputsHaveTheModelsShapeAreSeededAndNormalizedAsItSays() {
        IntegerModel plain = new IntegerModel("m", new int[] {3, 4, 5}, 10, List.of(), null);
        ImageSet a = IntegerBenchmark.randomImages(plain, 2);
        assertThat(new int[] {a.size(), a.channels(), a.height(), a.width()}).containsExactly(2, 3, 4, 5);
        assertThat(a.pixels()).hasSize(2 * 3 * 4 * 5);
        for (float p : a.pixels()) {
            assertThat(p).isBetween(0f, 1f);
        }
        assertThat(IntegerBenchmark.randomImages(plain, 2).pixels()).containsExactly(a.pixels());

        float[] mean = {0.5f, 0.5f, 0.5f};
        float[] std = {0.25f, 0.25f, 0.25f};
        IntegerModel normalized = plain.withNormalization(new InputNormalization(mean, std));
        float[] n = IntegerBenchmark.randomImages(normalized, 2).pixels();
        for (int k = 0; k < n.length; k++) {
            assertThat(n[k]).isCloseTo((a.pixels()[k] - 0.5f) / 0.25f, offset(1e-5f));
        }
    }
}
