package io.shiftq.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.engine.data.Datasets;
import io.shiftq.engine.data.IdxReader;
import io.shiftq.engine.data.ImageSet;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.report.QuantizationReport;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole job on a folder of colour JPEGs and PNGs of mixed sizes (Fashion-MNIST images tinted and resized, the only
 * image data here): torchvision's training transforms (random resized crops and flips, drawn on worker threads) and
 * evaluation transforms (resize, centre crop), streamed batch by batch, repeat bit for bit, and the integer executor
 * agrees with fake-quant on every test image.
 */
class ImageFolderJobTest {

    @Test
    void aJobOnMixedSizePhotosRepeatsBitForBitAndIsIntegerExact(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("photos");
        write(IdxReader.readSplit(Datasets.FASHION_MNIST_DIR, "train").limit(256), folder.resolve("train"), 1);
        write(IdxReader.readSplit(Datasets.FASHION_MNIST_DIR, "t10k").limit(96), folder.resolve("val"), 2);
        QuantizationConfig c = QuantizationConfig.parseYaml("""
                model: {name: LeNet5}
                data:
                  dataset: ImageFolder
                  path: %s
                  batch_size: 32
                  resize: 40
                  center_crop: 32
                  random_resized_crop: 32
                  horizontal_flip: true
                  normalize: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}
                  workers: 3
                baseline: {epochs: 1, learning_rate: 0.002}
                training: {epochs: 1, learning_rate: 0.0005}
                ptq: {calibration_batches: 2}
                """.formatted(folder));
        QuantizationReport first = new PipelineRun(new QuantizationEngine())
                .run("a", c, TrainingListener.NONE, dir.resolve("a"))
                .report();
        QuantizationReport second = new PipelineRun(new QuantizationEngine())
                .run("b", c, TrainingListener.NONE, dir.resolve("b"))
                .report();
        assertThat(first.integerCheck().images()).isEqualTo(96);
        assertThat(first.integerCheck().predictionMismatches()).isZero();
        assertThat(first.integerCheck().logitMismatches()).isZero();
        assertThat(second.initialAccuracy()).isEqualTo(first.initialAccuracy());
        assertThat(second.qatBestAccuracy()).isEqualTo(first.qatBestAccuracy());
        assertThat(second.finalAccuracy()).isEqualTo(first.finalAccuracy());
        assertThat(second.qatEpochs().get(0).trainLoss())
                .isEqualTo(first.qatEpochs().get(0).trainLoss());
    }

    /** Each image tinted, resized to a random 24-60 pixels a side, and written as JPEG or PNG in a class folder. */
    private static void write(ImageSet set, Path dir, long seed) throws Exception {
        Random rnd = new Random(seed);
        for (int k = 0; k < set.size(); k++) {
            int w = 24 + rnd.nextInt(37);
            int h = 24 + rnd.nextInt(37);
            float[] tint = {0.3f + rnd.nextFloat() * 0.7f, 0.3f + rnd.nextFloat() * 0.7f, 0.3f + rnd.nextFloat() * 0.7f
            };
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = set.pixels()[k * 784 + (y * 28 / h) * 28 + (x * 28 / w)] * 255f;
                    int rgb = 0;
                    for (float t : tint) {
                        rgb = (rgb << 8) | Math.round(v * t);
                    }
                    img.setRGB(x, y, rgb);
                }
            }
            Path classDir = Files.createDirectories(dir.resolve("c" + set.labels()[k]));
            String format = k % 2 == 0 ? "jpg" : "png";
            ImageIO.write(
                    img,
                    format,
                    classDir.resolve(String.format("%05d.%s", k, format)).toFile());
        }
    }
}
