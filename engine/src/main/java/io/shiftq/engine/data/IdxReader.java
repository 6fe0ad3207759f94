package io.shiftq.engine.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST ({@code train-images-idx3-ubyte[.gz]} ...), gzipped
 * or raw, as Debian's {@code dataset-fashion-mnist} installs them in
 * {@code /usr/share/datasets/fashion-mnist/}.
 */
public final class IdxReader {
    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    private IdxReader() {}

    /** Reads both splits from a directory holding the four IDX files. */
    public static DataSplits read(String name, Path dir) {
        return new DataSplits(name, readSplit(dir, "train"), readSplit(dir, "t10k"), 10);
    }

    /** Reads one split: {@code <prefix>-images-idx3-ubyte} and {@code <prefix>-labels-idx1-ubyte}. */
    public static ImageSet readSplit(Path dir, String prefix) {
        Path images = find(dir, prefix + "-images-idx3-ubyte");
        Path labels = find(dir, prefix + "-labels-idx1-ubyte");
        try (DataInputStream in = open(images);
                DataInputStream lin = open(labels)) {
            checkMagic(in.readInt(), IMAGES_MAGIC, images);
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            checkMagic(lin.readInt(), LABELS_MAGIC, labels);
            int nl = lin.readInt();
            if (nl != n) {
                throw new DataException(images + " holds " + n + " images but " + labels + " holds " + nl + " labels");
            }
            byte[] raw = new byte[n * rows * cols];
            in.readFully(raw);
            float[] pixels = new float[raw.length];
            for (int i = 0; i < raw.length; i++) {
                pixels[i] = (raw[i] & 0xff) / 255f;
            }
            byte[] rawLabels = new byte[n];
            lin.readFully(rawLabels);
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = rawLabels[i] & 0xff;
            }
            return new ImageSet(pixels, y, 1, rows, cols);
        } catch (IOException e) {
            throw new DataException("cannot read IDX files in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Path find(Path dir, String base) {
        for (String candidate : new String[] {base + ".gz", base, base.replace("-idx", ".idx")}) {
            Path p = dir.resolve(candidate);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new DataException("data.path: " + dir.resolve(base) + "[.gz] not found. Install the data set "
                + "(Fashion-MNIST: apt-get install dataset-fashion-mnist, files in /usr/share/datasets/fashion-mnist/) "
                + "or set data.path to a directory holding the IDX files");
    }

    private static DataInputStream open(Path p) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(p), 1 << 16);
        if (p.getFileName().toString().endsWith(".gz")) {
            in = new GZIPInputStream(in, 1 << 16);
        }
        return new DataInputStream(in);
    }

    private static void checkMagic(int actual, int expected, Path p) {
        if (actual != expected) {
            throw new DataException(
                    p + " is not an IDX file of the expected kind (magic " + Integer.toHexString(actual) + ")");
        }
    }
}
