package io.shiftq.engine.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.nn.LoadedNetwork;
import io.shiftq.engine.onnx.OnnxImport;
import io.shiftq.engine.quant.QuantPlan;
import io.shiftq.engine.train.Evaluation;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fashion-MNIST written out as PNG class folders reads back as the IDX reader's images, labels and accuracy. */
class ImageFolderReaderTest {
    private static final int TRAIN = 120;
    private static final int TEST = 200;

    @Test
    void pngFoldersGiveTheIdxImagesLabelsAndAccuracy(@TempDir Path root) throws Exception {
        DataSplits idx =
                IdxReader.read("FashionMNIST", Datasets.FASHION_MNIST_DIR).limit(TRAIN, TEST);
        write(idx.train(), root.resolve("train"));
        write(idx.test(), root.resolve("val"));

        DataSplits folder = Datasets.load("ImageFolder", root.toString());
        assertThat(folder.numClasses()).isEqualTo(10);
        assertThat(folder.train().pixels()).containsExactly(idx.train().pixels());
        assertThat(folder.train().labels()).containsExactly(idx.train().labels());
        assertThat(folder.test().pixels()).containsExactly(idx.test().pixels());
        assertThat(folder.test().labels()).containsExactly(idx.test().labels());

        float[] mean = {0.2860f};
        float[] std = {0.3530f};
        OnnxImport.Imported m = OnnxImport.load(Path.of("src/test/resources/onnx/resnet_style.onnx"));
        EngineSetup.start();
        try (NDManager manager = NDManager.newBaseManager();
                LoadedNetwork net = new LoadedNetwork(m.network(), m.weights(), manager)) {
            double fromIdx = Evaluation.accuracy(net, idx.test().normalized(mean, std), QuantPlan.FLOAT, 50, 0);
            double fromPng = Evaluation.accuracy(net, folder.test().normalized(mean, std), QuantPlan.FLOAT, 50, 0);
            System.out.printf(
                    "ResNet-style FP32 on %d test images: IDX %.2f%%, PNG folders %.2f%%%n", TEST, fromIdx, fromPng);
            assertThat(fromPng).isEqualTo(fromIdx);
        }
    }

    @Test
    void imagesOfAnotherSizeAreRefusedNamingTheFile(@TempDir Path root) throws Exception {
        for (String split : new String[] {"train", "val"}) {
            Path dir = Files.createDirectories(root.resolve(split).resolve("a"));
            ImageIO.write(
                    new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY),
                    "png",
                    dir.resolve("0.png").toFile());
            ImageIO.write(
                    new BufferedImage(5, 4, BufferedImage.TYPE_BYTE_GRAY),
                    "png",
                    dir.resolve("1.png").toFile());
        }
        assertThatThrownBy(() -> ImageFolderReader.read(root))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("1.png is 5x4, the others 4x4");
    }

    private static void write(ImageSet set, Path dir) throws Exception {
        int h = set.height();
        int w = set.width();
        for (int k = 0; k < set.size(); k++) {
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    img.getRaster().setSample(x, y, 0, Math.round(set.pixels()[k * h * w + y * w + x] * 255f));
                }
            }
            Path classDir = Files.createDirectories(dir.resolve("class_" + set.labels()[k]));
            ImageIO.write(
                    img, "png", classDir.resolve(String.format("%05d.png", k)).toFile());
        }
    }
}
