package io.shiftq.engine.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.engine.data.ImageSet;
import io.shiftq.engine.deploy.c.CProgram;
import io.shiftq.engine.deploy.exec.IntegerExecutor;
import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.deploy.ops.RoundingMode;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** What the C reference tests share: IDX files to run on, the comparison with the Java executor. */
final class CReferenceRuns {
    private CReferenceRuns() {}

    /**
     * Images as IDX files for {@code shiftq_main} and as the Java executor reads them.
     *
     * @param idx uncompressed IDX images
     * @param labels uncompressed IDX labels
     * @param set the same images as shiftq's data loader gives them (p / 255, normalized when the model is)
     */
    record Images(Path idx, Path labels, ImageSet set) {}

    /** Random 8-bit images of side x side pixels with random labels, written as IDX files into dir. */
    static Images randomImages(Path dir, int n, int side, Random rnd, IntegerModel model) throws IOException {
        byte[] pixels = new byte[n * side * side];
        rnd.nextBytes(pixels);
        return images(dir, pixels, n, side, rnd, model);
    }

    /** These 8-bit images (n of side x side pixels) with random labels, written as IDX files into dir. */
    static Images images(Path dir, byte[] pixels, int n, int side, Random rnd, IntegerModel model) throws IOException {
        int[] labels = new int[n];
        float[] x = new float[pixels.length];
        for (int k = 0; k < pixels.length; k++) {
            x[k] = (pixels[k] & 0xff) / 255f;
        }
        Path idx = dir.resolve("images-idx3-ubyte");
        Path lab = dir.resolve("labels-idx1-ubyte");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(idx));
                DataOutputStream lout = new DataOutputStream(Files.newOutputStream(lab))) {
            out.writeInt(0x803);
            out.writeInt(n);
            out.writeInt(side);
            out.writeInt(side);
            out.write(pixels);
            lout.writeInt(0x801);
            lout.writeInt(n);
            for (int k = 0; k < n; k++) {
                labels[k] = rnd.nextInt(10);
                lout.write(labels[k]);
            }
        }
        ImageSet set = new ImageSet(x, labels, 1, side, side);
        if (model.normalization() != null) {
            set = set.normalized(
                    model.normalization().mean(), model.normalization().std());
        }
        return new Images(idx, lab, set);
    }

    /** The strict flags plus floor rounding. */
    static List<String> withFloor(List<String> flags) {
        List<String> all = new ArrayList<>(flags);
        all.add("-DSHIFTQ_ROUND_FLOOR=1");
        return all;
    }

    /** Every prediction and every logit code of the C run equal the Java executor's, image by image. */
    static void assertSameCodes(String what, CProgram.Run c, IntegerExecutor.Result java) {
        assertThat(c.predictions()).as(what + ": images the C program ran").hasSameSizeAs(java.predictions());
        int predictions = 0;
        int images = 0;
        int first = -1;
        for (int k = 0; k < c.predictions().length; k++) {
            predictions += c.predictions()[k] != java.predictions()[k] ? 1 : 0;
            if (!Arrays.equals(c.codes()[k], java.codes()[k])) {
                images++;
                first = first < 0 ? k : first;
            }
        }
        System.out.printf(
                "%s: C reference vs Java executor on %d images: %d prediction differences, %d images with differing"
                        + " logit codes; C %.0f images/s (sanitized builds are slower)%n",
                what, c.predictions().length, predictions, images, c.imagesPerSecond());
        assertThat(images)
                .as(
                        "%s: images whose C logit codes differ from Java's; first: image %d, C %s, Java %s",
                        what,
                        first,
                        first < 0 ? "" : Arrays.toString(c.codes()[first]),
                        first < 0 ? "" : Arrays.toString(java.codes()[first]))
                .isZero();
        assertThat(predictions).as(what + ": prediction differences").isZero();
    }

    /** The executor's result on its first n images. */
    static IntegerExecutor.Result first(IntegerExecutor.Result r, int n) {
        return new IntegerExecutor.Result(
                Arrays.copyOf(r.codes(), n), Arrays.copyOf(r.predictions(), n), r.outputExponent());
    }

    /**
     * How many output codes of the named op sit at its quantizer's qmin and at its qmax over the images: the model
     * cut after that op, run by the Java executor.
     */
    static long[] saturated(IntegerModel m, String op, RoundingMode rounding, float[] pixels) {
        int end = m.ops().indexOf(m.op(op));
        List<int[]> shapes = m.shapes();
        int size = Arrays.stream(shapes.get(end)).reduce(1, (a, b) -> a * b);
        IntegerModel cut =
                new IntegerModel(m.network(), m.inputShape(), size, m.ops().subList(0, end + 1), m.normalization());
        IntegerModel.Quantizer q = cut.outputQuantizer();
        long[] ends = new long[2];
        for (long[] codes : new IntegerExecutor(cut, rounding, 2).run(pixels).codes()) {
            for (long v : codes) {
                ends[0] += v == q.qmin() ? 1 : 0;
                ends[1] += v == q.qmax() ? 1 : 0;
            }
        }
        return ends;
    }
}
