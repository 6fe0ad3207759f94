package io.shiftq.engine.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the CIFAR-10 binary format ({@code data_batch_1.bin} ... {@code test_batch.bin}): each
 * record is one label byte then 3072 pixel bytes, red, green and blue planes of 32x32.
 */
public final class Cifar10Reader {
    private static final int PIXELS = 3 * 32 * 32;

    private Cifar10Reader() {}

    /** Reads the five training batches and the test batch from a directory. */
    public static DataSplits read(Path dir) {
        List<Path> train = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            train.add(dir.resolve("data_batch_" + i + ".bin"));
        }
        return new DataSplits("CIFAR10", readFiles(train), readFiles(List.of(dir.resolve("test_batch.bin"))), 10);
    }

    /** Reads and concatenates CIFAR-10 binary files. */
    public static ImageSet readFiles(List<Path> files) {
        try {
            List<byte[]> chunks = new ArrayList<>();
            int total = 0;
            for (Path f : files) {
                if (!Files.isRegularFile(f)) {
                    throw new DataException("data.path: " + f + " not found; CIFAR-10 needs the binary version "
                            + "(data_batch_1.bin .. data_batch_5.bin, test_batch.bin)");
                }
                byte[] b = Files.readAllBytes(f);
                if (b.length % (PIXELS + 1) != 0) {
                    throw new DataException(f + " is not a CIFAR-10 binary batch (" + b.length + " bytes)");
                }
                chunks.add(b);
                total += b.length / (PIXELS + 1);
            }
            float[] pixels = new float[total * PIXELS];
            int[] labels = new int[total];
            int n = 0;
            for (byte[] b : chunks) {
                for (int off = 0; off < b.length; off += PIXELS + 1, n++) {
                    labels[n] = b[off] & 0xff;
                    for (int i = 0; i < PIXELS; i++) {
                        pixels[n * PIXELS + i] = (b[off + 1 + i] & 0xff) / 255f;
                    }
                }
            }
            return new ImageSet(pixels, labels, 3, 32, 32);
        } catch (IOException e) {
            throw new DataException("cannot read CIFAR-10 files: " + e.getMessage(), e);
        }
    }
}
