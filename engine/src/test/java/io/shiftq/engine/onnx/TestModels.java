package io.shiftq.engine.onnx;

import static org.assertj.core.api.Assertions.fail;

import io.shiftq.engine.data.Datasets;
import io.shiftq.engine.data.IdxReader;
import io.shiftq.engine.data.ImageSet;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The ONNX test models PyTorch made ({@code scripts/models/make_onnx_models.py}, committed under
 * {@code src/test/resources/onnx}) and the normalization they were trained with.
 */
public final class TestModels {
    static final Path DIR = Path.of("src/test/resources/onnx");
    public static final float MEAN = 0.2860f;
    public static final float STD = 0.3530f;

    private TestModels() {}

    /** The model file; fails (never skips) naming the script that makes it. */
    public static Path model(String name) {
        Path p = DIR.resolve(name + ".onnx");
        if (!Files.isRegularFile(p)) {
            fail(p.toAbsolutePath() + " is missing: run `python scripts/models/make_onnx_models.py` in the"
                    + " environment scripts/python-env.sh prints (scripts/test.sh does this when the file is absent)");
        }
        return p;
    }

    /** The first n Fashion-MNIST test images, normalized as in training. */
    static ImageSet normalizedTestImages(int n) {
        return IdxReader.readSplit(Datasets.FASHION_MNIST_DIR, "t10k")
                .limit(n)
                .normalized(new float[] {MEAN}, new float[] {STD});
    }
}
