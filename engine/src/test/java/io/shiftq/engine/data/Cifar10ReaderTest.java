package io.shiftq.engine.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shiftq.engine.quant.Pow2;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CIFAR-10 reader on files written here in the real binary layout: per record one label byte,
 * then 1024 red, 1024 green and 1024 blue bytes, each plane row-major 32x32.
 */
class Cifar10ReaderTest {
    private static final int PLANE = 32 * 32;
    private static final int RECORD = 1 + 3 * PLANE;

    @TempDir
    Path dir;

    @Test
    void readsTheFiveTrainingBatchesThenTheTestBatch() throws IOException {
        // Batch i holds i records (15 training images) with labels 0, 1, 2, ... in file order.
        int label = 0;
        for (int i = 1; i <= 5; i++) {
            byte[] batch = new byte[i * RECORD];
            for (int r = 0; r < i; r++) {
                writeRecord(batch, r, label++);
            }
            Files.write(dir.resolve("data_batch_" + i + ".bin"), batch);
        }
        byte[] test = new byte[RECORD];
        writeRecord(test, 0, 9);
        Files.write(dir.resolve("test_batch.bin"), test);

        DataSplits splits = Cifar10Reader.read(dir);

        assertThat(splits.numClasses()).isEqualTo(10);
        assertThat(splits.train().labels()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
        assertThat(splits.test().labels()).containsExactly(9);
        for (ImageSet s :
                new ImageSet[] {splits.train().inMemory(), splits.test().inMemory()}) {
            assertThat(new int[] {s.channels(), s.height(), s.width()}).containsExactly(3, 32, 32);
            assertThat(s.pixels()).hasSize(s.size() * 3 * PLANE);
        }
    }

    @Test
    void planesAreRedGreenBlueAndBytesScaleToUnitRange() throws IOException {
        byte[] b = new byte[RECORD];
        writeRecord(b, 0, 6);
        Path file = dir.resolve("test_batch.bin");
        Files.write(file, b);

        ImageSet s = Cifar10Reader.readFiles(List.of(file));

        assertThat(s.labels()).containsExactly(6);
        assertThat(pixel(s, 0, 0, 0)).isEqualTo(1f); // red plane: 255
        assertThat(pixel(s, 0, 31, 31)).isEqualTo(1f);
        assertThat(pixel(s, 1, 0, 0)).isEqualTo(0f); // green plane: 0 ...
        assertThat(pixel(s, 1, 1, 2)).isEqualTo(102 / 255f); // ... except row 1, column 2
        assertThat(pixel(s, 1, 2, 1)).isEqualTo(0f); // the transposed spot stays 0: rows are rows
        assertThat(pixel(s, 2, 17, 5)).isEqualTo(51 / 255f); // blue plane: 51
        assertThat(Pow2.max(s.pixels())).isEqualTo(1f);
        assertThat(Pow2.min(s.pixels())).isEqualTo(0f);
    }

    @Test
    void aFileThatIsNotWholeRecordsIsRefused() throws IOException {
        Path file = dir.resolve("data_batch_1.bin");
        Files.write(file, new byte[RECORD + 1]);
        assertThatThrownBy(() -> Cifar10Reader.readFiles(List.of(file)))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("is not a CIFAR-10 binary batch (3074 bytes)");
    }

    @Test
    void missingBatchNamesTheBinaryFiles() {
        assertThatThrownBy(() -> Cifar10Reader.read(dir))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("data.path")
                .hasMessageContaining("data_batch_1.bin .. data_batch_5.bin, test_batch.bin");
    }

    /** Record r: the label, red all 255, green 0 but 102 at row 1 column 2, blue all 51. */
    private static void writeRecord(byte[] file, int r, int label) {
        int off = r * RECORD;
        file[off] = (byte) label;
        for (int i = 0; i < PLANE; i++) {
            file[off + 1 + i] = (byte) 255;
            file[off + 1 + 2 * PLANE + i] = 51;
        }
        file[off + 1 + PLANE + 32 + 2] = 102;
    }

    private static float pixel(ImageSet s, int channel, int row, int col) {
        return s.pixels()[channel * PLANE + row * 32 + col];
    }
}
