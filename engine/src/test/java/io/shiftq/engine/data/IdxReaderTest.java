package io.shiftq.engine.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shiftq.engine.quant.Pow2;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The IDX reader on the real Fashion-MNIST files and on files written here. */
class IdxReaderTest {

    @Test
    void readsTheRealFashionMnistTestSet() {
        assertThat(Files.isDirectory(Datasets.FASHION_MNIST_DIR))
                .as(
                        "Fashion-MNIST is missing: run `apt-get install -y dataset-fashion-mnist` (or scripts/test.sh, which does)")
                .isTrue();
        ImageSet test = IdxReader.readSplit(Datasets.FASHION_MNIST_DIR, "t10k");
        assertThat(test.size()).isEqualTo(10_000);
        assertThat(test.height()).isEqualTo(28);
        int[] perClass = new int[10];
        for (int y : test.labels()) {
            perClass[y]++;
        }
        assertThat(perClass).containsOnly(1000);
        assertThat(Pow2.max(test.pixels())).isEqualTo(1f);
        assertThat(Pow2.min(test.pixels())).isEqualTo(0f);
    }

    @Test
    void readsRawUncompressedFiles(@TempDir Path dir) throws IOException {
        // two 2x2 images: pixels 0, 255, 51, 102 and 255 x4; labels 3 and 7
        byte[] images = {
            0,
            0,
            8,
            3,
            0,
            0,
            0,
            2,
            0,
            0,
            0,
            2,
            0,
            0,
            0,
            2,
            0,
            (byte) 255,
            51,
            102,
            (byte) 255,
            (byte) 255,
            (byte) 255,
            (byte) 255
        };
        byte[] labels = {0, 0, 8, 1, 0, 0, 0, 2, 3, 7};
        Files.write(dir.resolve("train-images-idx3-ubyte"), images);
        Files.write(dir.resolve("train-labels-idx1-ubyte"), labels);
        ImageSet s = IdxReader.readSplit(dir, "train");
        assertThat(s.labels()).containsExactly(3, 7);
        assertThat(s.pixels()).containsExactly(0f, 1f, 0.2f, 0.4f, 1f, 1f, 1f, 1f);
    }

    @Test
    void missingFilesNameWhatToInstall(@TempDir Path dir) {
        assertThatThrownBy(() -> IdxReader.read("FashionMNIST", dir))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("data.path")
                .hasMessageContaining("apt-get install dataset-fashion-mnist");
    }

    @Test
    void unknownDatasetListsTheKnownOnes() {
        assertThatThrownBy(() -> Datasets.load("ImageNet", null))
                .hasMessageContaining("data.dataset: 'ImageNet' is not one of")
                .hasMessageContaining("FashionMNIST");
    }
}
