package io.shiftq.engine.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Reads an image folder in torchvision's {@code ImageFolder} layout: {@code <root>/train/<class>/*.png|jpg} and
 * {@code <root>/val/<class>/...}; the classes are the directory names of {@code train/}, sorted, numbered from 0.
 * Pixels are scaled to [0, 1] (value / 255). Grayscale images give one channel, colour images three (RGB; alpha
 * dropped). Every image must have the first one's size: there is no resizing, and a different size is refused
 * naming the file.
 *
 * <p>Order: images are sorted by file name across all classes (ties by class), not class by class as torchvision
 * does, so that {@code data.train_limit} and the first calibration batches see every class when files are numbered
 * (e.g. {@code 00042.png}).
 */
public final class ImageFolderReader {
    private ImageFolderReader() {}

    private record Item(Path file, int label) {}

    /** Reads both splits of the folder. */
    public static DataSplits read(Path root) {
        Path train = root.resolve("train");
        Path val = root.resolve("val");
        if (!Files.isDirectory(train) || !Files.isDirectory(val)) {
            throw new DataException("data.path: " + root + " must hold train/ and val/, one sub-directory per class");
        }
        List<String> classes = classes(train);
        return new DataSplits("ImageFolder", split(train, classes), split(val, classes), classes.size());
    }

    private static List<String> classes(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .sorted()
                    .toList();
            if (names.isEmpty()) {
                throw new DataException("data.path: " + dir + " has no class directories");
            }
            return names;
        } catch (IOException e) {
            throw new DataException("data.path: cannot list " + dir, e);
        }
    }

    private static ImageSet split(Path dir, List<String> classes) {
        List<Item> items = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            Path classDir = dir.resolve(classes.get(c));
            if (!Files.isDirectory(classDir)) {
                continue;
            }
            int label = c;
            try (Stream<Path> s = Files.list(classDir)) {
                s.filter(ImageFolderReader::isImage).forEach(p -> items.add(new Item(p, label)));
            } catch (IOException e) {
                throw new DataException("data.path: cannot list " + classDir, e);
            }
        }
        if (items.isEmpty()) {
            throw new DataException("data.path: no PNG or JPEG images under " + dir);
        }
        items.sort(Comparator.comparing((Item i) -> i.file().getFileName().toString())
                .thenComparingInt(Item::label));
        BufferedImage first = load(items.get(0).file());
        int channels = first.getColorModel().getNumColorComponents() == 1 ? 1 : 3;
        int h = first.getHeight();
        int w = first.getWidth();
        float[] pixels = new float[items.size() * channels * h * w];
        int[] labels = new int[items.size()];
        for (int k = 0; k < items.size(); k++) {
            BufferedImage img = k == 0 ? first : load(items.get(k).file());
            if (img.getHeight() != h || img.getWidth() != w) {
                throw new DataException("data.path: " + items.get(k).file() + " is " + img.getWidth() + "x"
                        + img.getHeight() + ", the others " + w + "x" + h + " (images are not resized)");
            }
            int base = k * channels * h * w;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    if (channels == 1) {
                        pixels[base + y * w + x] = img.getRaster().getSample(x, y, 0) / 255f;
                    } else {
                        int rgb = img.getRGB(x, y);
                        pixels[base + y * w + x] = ((rgb >> 16) & 0xFF) / 255f;
                        pixels[base + h * w + y * w + x] = ((rgb >> 8) & 0xFF) / 255f;
                        pixels[base + 2 * h * w + y * w + x] = (rgb & 0xFF) / 255f;
                    }
                }
            }
            labels[k] = items.get(k).label();
        }
        return new ImageSet(pixels, labels, channels, h, w);
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }

    private static BufferedImage load(Path p) {
        try {
            BufferedImage img = ImageIO.read(p.toFile());
            if (img == null) {
                throw new DataException("data.path: " + p + " is not a readable PNG or JPEG");
            }
            return img;
        } catch (IOException e) {
            throw new DataException("data.path: cannot read " + p, e);
        }
    }
}
