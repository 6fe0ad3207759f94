package io.shiftq.engine.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.nn.LoadedNetwork;
import io.shiftq.engine.onnx.OnnxImport;
import io.shiftq.engine.quant.QuantPlan;
import io.shiftq.engine.train.Evaluation;
import io.shiftq.schema.config.DataConfig;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fashion-MNIST written out as PNG class folders reads back as the IDX reader's images, labels and accuracy. */
class ImageFolderReaderTest {
    private static final int TRAIN = 120;
    private static final int TEST = 200;

    @Test
    void pngFoldersGiveTheIdxImagesLabelsAndAccuracy(@TempDir Path root) throws Exception {
        ImageSet idxTrain =
                IdxReader.readSplit(Datasets.FASHION_MNIST_DIR, "train").limit(TRAIN);
        ImageSet idxTest =
                IdxReader.readSplit(Datasets.FASHION_MNIST_DIR, "t10k").limit(TEST);
        write(idxTrain, root.resolve("train"));
        write(idxTest, root.resolve("val"));

        DataSplits folder = Datasets.load("ImageFolder", root.toString());
        assertThat(folder.numClasses()).isEqualTo(10);
        assertThat(folder.train().inMemory().pixels()).containsExactly(idxTrain.pixels());
        assertThat(folder.train().labels()).containsExactly(idxTrain.labels());
        assertThat(folder.test().inMemory().pixels()).containsExactly(idxTest.pixels());
        assertThat(folder.test().labels()).containsExactly(idxTest.labels());

        float[] mean = {0.2860f};
        float[] std = {0.3530f};
        OnnxImport.Imported m = OnnxImport.load(Path.of("src/test/resources/onnx/resnet_style.onnx"));
        EngineSetup.start();
        try (NDManager manager = NDManager.newBaseManager();
                LoadedNetwork net = new LoadedNetwork(m.network(), m.weights(), manager)) {
            double fromIdx = Evaluation.accuracy(net, idxTest.normalized(mean, std), QuantPlan.FLOAT, 50, 0);
            double fromPng =
                    Evaluation.accuracy(net, folder.test().inMemory().normalized(mean, std), QuantPlan.FLOAT, 50, 0);
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
                .hasMessageContaining("1.png is 5x4, 0.png 4x4")
                .hasMessageContaining("data.path " + root);
    }

    @Test
    void eachKindOfBadFileFailsTheJobNamingTheFileAndDataPath(@TempDir Path root) throws Exception {
        Path bad = goodFolder(root).resolve("val").resolve("class_0");
        Files.write(bad.resolve("empty.png"), new byte[0]);
        assertThatThrownBy(() -> Datasets.load(folderConfig(root, false)))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("data.path " + root)
                .hasMessageContaining("empty.png is empty (0 bytes)")
                .hasMessageContaining("data.skip_unreadable");
        Files.delete(bad.resolve("empty.png"));
        Files.writeString(bad.resolve("notes.jpg"), "not an image");
        assertThatThrownBy(() -> Datasets.load(folderConfig(root, false)))
                .hasMessageContaining("notes.jpg is not a PNG or JPEG image");
        Files.delete(bad.resolve("notes.jpg"));
        Files.createSymbolicLink(bad.resolve("gone.png"), root.resolve("nowhere.png"));
        assertThatThrownBy(() -> Datasets.load(folderConfig(root, false)))
                .hasMessageContaining("gone.png is not a regular file");
    }

    @Test
    void aTruncatedImageFailsTheBatchThatReadsItNamingTheFile(@TempDir Path root) throws Exception {
        Path classDir = goodFolder(root).resolve("val").resolve("class_1");
        byte[] png = Files.readAllBytes(Files.list(classDir).findFirst().orElseThrow());
        // The header (and so the listing) is intact; the pixel data is cut off.
        Files.write(classDir.resolve("cut.png"), java.util.Arrays.copyOf(png, 60));
        assertThatThrownBy(() -> readAll(root))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("data.path " + root)
                .hasMessageContaining("cut.png cannot be decoded");
        Files.delete(classDir.resolve("cut.png"));
        // libjpeg reads a JPEG cut off after its header with a warning only; it fails here as it does in PIL.
        BufferedImage rgb = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 784; i++) {
            rgb.setRGB(i % 28, i / 28, i * 7919);
        }
        java.io.ByteArrayOutputStream jpeg = new java.io.ByteArrayOutputStream();
        ImageIO.write(rgb, "jpg", jpeg);
        Files.write(classDir.resolve("cut.jpg"), java.util.Arrays.copyOf(jpeg.toByteArray(), jpeg.size() - 200));
        assertThatThrownBy(() -> readAll(root))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("data.path " + root)
                .hasMessageContaining("cut.jpg cannot be decoded");
    }

    private static void readAll(Path root) {
        ImageSource val = Datasets.load(folderConfig(root, false)).test();
        Batches batches = Batches.inOrder(val, 4, 0);
        for (int k = 0; k < batches.count(); k++) {
            batches.pixels(k);
        }
    }

    @Test
    void skipUnreadableLeavesBadFilesOutAndReadsTheRest(@TempDir Path root) throws Exception {
        Path classDir = goodFolder(root).resolve("val").resolve("class_0");
        int good = Datasets.load(folderConfig(root, false)).test().size();
        Files.write(classDir.resolve("empty.png"), new byte[0]);
        Files.writeString(classDir.resolve("notes.jpg"), "not an image");
        Files.createSymbolicLink(classDir.resolve("gone.png"), root.resolve("nowhere.png"));
        Files.writeString(classDir.resolve("README.txt"), "left out by its name, as torchvision does");
        ImageSource val = Datasets.load(folderConfig(root, true)).test();
        assertThat(val.size()).isEqualTo(good);
        assertThat(val.inMemory().pixels()).hasSize(good * 28 * 28);
    }

    @Test
    void prefetchingWorkersGiveTheSameBatchesAndRandomCropsRepeatPerSeed(@TempDir Path root) throws Exception {
        goodFolder(root);
        DataConfig d =
                new DataConfig("ImageFolder", root.toString(), 8, 0, 0, null, List.of(36), 32, 32, true, 3, 2, false);
        DataSplits splits = Datasets.load(d);
        ImageSource train = splits.train();
        Batches a = Batches.shuffled(train, 8, 5);
        Batches b = Batches.shuffled(train, 8, 5);
        Batches other = Batches.shuffled(train, 8, 6);
        boolean differs = false;
        for (int k = 0; k < a.count(); k++) {
            float[] fromWorkers = a.pixels(k);
            assertThat(fromWorkers).containsExactly(train.gather(a.indices(k), 5));
            assertThat(b.pixels(k)).containsExactly(fromWorkers);
            differs |= !java.util.Arrays.equals(other.pixels(k), train.gather(a.indices(k), 5));
        }
        assertThat(differs).as("another epoch draws other crops").isTrue();
        // Calibration reads the training images with the evaluation transform: no randomness, 32x32 centre crops.
        ImageSource calibration = splits.calibration();
        assertThat(calibration.gather(new int[] {0, 1}, 1)).containsExactly(calibration.gather(new int[] {0, 1}, 2));
        assertThat(train.height()).isEqualTo(32);
    }

    /** Train and val folders of 24 and 40 Fashion-MNIST images as grey PNGs. */
    private static Path goodFolder(Path root) throws Exception {
        write(IdxReader.readSplit(Datasets.FASHION_MNIST_DIR, "train").limit(24), root.resolve("train"));
        write(IdxReader.readSplit(Datasets.FASHION_MNIST_DIR, "t10k").limit(40), root.resolve("val"));
        return root;
    }

    private static DataConfig folderConfig(Path root, boolean skipUnreadable) {
        return new DataConfig(
                "ImageFolder", root.toString(), 8, 0, 0, null, null, null, null, false, 2, 2, skipUnreadable);
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
