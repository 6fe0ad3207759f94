package io.shiftq.engine.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.engine.io.Npz;
import io.shiftq.schema.config.DataConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each torchvision transform against torchvision's own numbers on a folder of mixed-size JPEG and PNG images in every
 * mode (RGB, greyscale, grey+alpha, RGBA, palette), made from Fashion-MNIST, the only image data here, by
 * {@code scripts/data/make_image_folder_refs.py} (torchvision 0.29.2, PIL 13.0.0), which also computed the references.
 * PNG decodes to PIL's bytes exactly, so every transform is compared from our own decoding; JPEG decoders differ (the
 * JDK's libjpeg 6b against PIL's libjpeg-turbo), so a JPEG's transforms are compared from PIL's decoded bytes and the
 * decoders against each other separately.
 */
class ImageTransformTest {
    private static final Path DIR = Path.of("src/test/resources/imagefolder");
    private static final List<Double> MEAN = List.of(0.485, 0.456, 0.406);
    private static final List<Double> STD = List.of(0.229, 0.224, 0.225);

    /** Largest JPEG decoder difference measured (0..255 levels), so a worse decoder fails this test. */
    private static final int JPEG_DECODER_MAX_LEVELS = 4;

    /**
     * Pillow 13 resizes vertically first when the height shrinks much more than the width (python-pillow/Pillow#9549);
     * we keep Pillow 12's horizontal-first order, so such resizes differ by up to one level on a few pixels.
     */
    private static final int PILLOW_13_ORDER_LEVELS = 1;

    private static List<String> files;
    private static Map<String, Npz.Array> refs;
    private static List<DecodedImage> pil;

    @BeforeAll
    static void read() throws Exception {
        files = Files.readAllLines(DIR.resolve("files.txt")).stream()
                .filter(s -> !s.isBlank())
                .toList();
        refs = Npz.read(DIR.resolve("torchvision_refs.npz"));
        long[] sizes = refs.get("sizes").longs();
        long[] bytes = refs.get("decoded").longs();
        pil = new ArrayList<>();
        int at = 0;
        for (int k = 0; k < files.size(); k++) {
            int h = (int) sizes[2 * k];
            int w = (int) sizes[2 * k + 1];
            byte[] px = new byte[h * w * 3];
            for (int i = 0; i < px.length; i++) {
                px[i] = (byte) bytes[at++];
            }
            pil.add(new DecodedImage(px, 3, h, w));
        }
    }

    @Test
    void pngDecodesToPilsConvertRgbBytesAndJpegWithinTheMeasuredDecoderDifference() {
        int jpegMax = 0;
        for (int k = 0; k < files.size(); k++) {
            DecodedImage ours = DecodedImage.read(DIR.resolve(files.get(k)), 3);
            assertThat(ours.height()).isEqualTo(pil.get(k).height());
            assertThat(ours.width()).isEqualTo(pil.get(k).width());
            int max = 0;
            for (int i = 0; i < ours.pixels().length; i++) {
                max = Math.max(
                        max, Math.abs((ours.pixels()[i] & 0xff) - (pil.get(k).pixels()[i] & 0xff)));
            }
            if (files.get(k).endsWith(".png")) {
                assertThat(max).as(files.get(k)).isZero();
            } else {
                jpegMax = Math.max(jpegMax, max);
            }
        }
        System.out.printf("JPEG: JDK ImageIO against PIL, max |diff| %d of 255%n", jpegMax);
        assertThat(jpegMax).isLessThanOrEqualTo(JPEG_DECODER_MAX_LEVELS);
    }

    @Test
    void resizeShorterSideCenterCropAndNormalizeEqualTorchvision() {
        DataConfig d = data(List.of(36), 32, null, false, new DataConfig.Normalize(MEAN, STD));
        ImageTransform t = new ImageTransform(d, false);
        assertThat(t.outputSize(77, 120)).containsExactly(32, 32);
        assertEvery("eval", 3 * 32 * 32, 0, (k, out) -> t.apply(source(k), null, out, 0));
    }

    @Test
    void fixedResizeEqualsTorchvisionWithinPillow13sPassOrder() {
        ImageTransform t = new ImageTransform(data(List.of(30, 40), null, null, false, null), false);
        assertEvery("fixed", 3 * 30 * 40, PILLOW_13_ORDER_LEVELS, (k, out) -> t.apply(source(k), null, out, 0));
    }

    @Test
    void randomResizedCropAndFlipWithTorchvisionsDrawsEqualTorchvisionWithinPillow13sPassOrder() {
        ImageTransform t = new ImageTransform(data(null, null, 32, true, null), true);
        long[] draws = refs.get("draws").longs();
        assertEvery("train", 3 * 32 * 32, PILLOW_13_ORDER_LEVELS, (k, out) -> {
            ImageTransform.Draw draw = new ImageTransform.Draw(
                    (int) draws[5 * k],
                    (int) draws[5 * k + 1],
                    (int) draws[5 * k + 2],
                    (int) draws[5 * k + 3],
                    draws[5 * k + 4] == 1);
            t.apply(source(k), draw).toTensor(out, 0, null, null);
        });
    }

    @Test
    void randomDrawsRepeatForASeedAndStayInsideTheImage() {
        ImageTransform t = new ImageTransform(data(null, null, 32, true, null), true);
        int flips = 0;
        for (int seed = 0; seed < 200; seed++) {
            ImageTransform.Draw a = t.draw(77, 120, new java.util.SplittableRandom(seed));
            assertThat(t.draw(77, 120, new java.util.SplittableRandom(seed))).isEqualTo(a);
            assertThat(a.top() + a.height()).isLessThanOrEqualTo(77);
            assertThat(a.left() + a.width()).isLessThanOrEqualTo(120);
            assertThat((double) a.height() * a.width()).isGreaterThanOrEqualTo(0.08 * 77 * 120 * 0.9);
            flips += a.flip() ? 1 : 0;
        }
        assertThat(flips).isBetween(60, 140);
    }

    /** The decoded image the transforms start from: ours for PNG (equal to PIL's, tested above), PIL's for JPEG. */
    private static DecodedImage source(int k) {
        return files.get(k).endsWith(".png") ? DecodedImage.read(DIR.resolve(files.get(k)), 3) : pil.get(k);
    }

    private interface Fill {
        void into(int k, float[] out);
    }

    /**
     * Asserts the largest difference from torchvision's tensor {@code name}: 0, or at most {@code levels} of 255 where
     * Pillow 13's pass order differs from ours (see {@link PilResize}).
     */
    private static void assertEvery(String name, int per, int levels, Fill fill) {
        float[] expected = refs.get(name).floats();
        double max = 0;
        int differing = 0;
        for (int k = 0; k < files.size(); k++) {
            float[] out = new float[per];
            fill.into(k, out);
            for (int i = 0; i < per; i++) {
                double d = Math.abs(out[i] - expected[k * per + i]);
                max = Math.max(max, d);
                differing += d > 0 ? 1 : 0;
            }
        }
        System.out.printf(
                "%s: max |diff| against torchvision over %d images: %g (%d of %d values differ)%n",
                name, files.size(), max, differing, files.size() * per);
        assertThat(max).as(name).isLessThanOrEqualTo(levels / 255.0 + 1e-7);
    }

    static DataConfig data(
            List<Integer> resize, Integer crop, Integer randomCrop, boolean flip, DataConfig.Normalize n) {
        return new DataConfig("ImageFolder", DIR.toString(), 4, 0, 0, n, resize, crop, randomCrop, flip, 2, 2, false);
    }
}
