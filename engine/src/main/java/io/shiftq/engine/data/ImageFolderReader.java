package io.shiftq.engine.data;

import io.shiftq.schema.config.DataConfig;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an image folder in torchvision's {@code ImageFolder} layout: {@code <root>/train/<class>/*.png|jpg|jpeg} and
 * {@code <root>/val/<class>/...}; the classes are the directory names of {@code train/}, sorted, numbered from 0; files
 * with other extensions are left out (counted in the log), as torchvision leaves them out. Images of any size and mode
 * are decoded on demand ({@link DecodedImage}) and transformed as torchvision does ({@link ImageTransform}); the
 * listing opens each file's header only, so a zero-byte, unreadable or non-image file fails the job here, naming the
 * file and {@code data.path}, or is left out when {@code data.skip_unreadable} is set.
 *
 * <p>Channels: 1 when the first image (in the order below) is grey, else 3; the other images are converted to that
 * mode as PIL's {@code convert("L")} / {@code convert("RGB")} would.
 *
 * <p>Order: images are sorted by file name across all classes (ties by class), not class by class as torchvision
 * does, so that {@code data.train_limit} and the first calibration batches see every class when files are numbered
 * (e.g. {@code 00042.png}).
 */
public final class ImageFolderReader {
    private static final Logger LOG = LoggerFactory.getLogger(ImageFolderReader.class);
    private static final int NAMED_IN_LOG = 10;

    private ImageFolderReader() {}

    private record Item(Path file, int label, int width, int height) {}

    /** Reads the folder with no transforms, one worker (tests and tools). */
    public static DataSplits read(Path root) {
        return read(root, DataConfig.of("ImageFolder", root.toString(), 64, null));
    }

    /** Lists both splits of the folder; the images are decoded when batches are read. */
    public static DataSplits read(Path root, DataConfig data) {
        Path train = root.resolve("train");
        Path val = root.resolve("val");
        if (!Files.isDirectory(train) || !Files.isDirectory(val)) {
            throw new DataException("data.path: " + root + " must hold train/ and val/, one sub-directory per class");
        }
        List<String> classes = classes(train);
        List<Item> trainItems = items(root, train, classes, data.skipUnreadable());
        List<Item> valItems = items(root, val, classes, data.skipUnreadable());
        Item first = trainItems.get(0);
        int channels = DecodedImage.isGrey(decodeFirst(root, first.file())) ? 1 : 3;
        BatchPrefetch prefetch = BatchPrefetch.of(data.workers(), data.prefetch());
        ImageTransform training = new ImageTransform(data, true);
        ImageTransform evaluation = new ImageTransform(data, false);
        int[] shape = evaluation.outputSize(first.height(), first.width());
        int[] trainShape = training.outputSize(first.height(), first.width());
        if (!Arrays.equals(shape, trainShape)) {
            throw new DataException("data.random_resized_crop: " + data.randomResizedCrop() + " gives training images "
                    + "of " + trainShape[0] + "x" + trainShape[1] + " but evaluation gives " + shape[0] + "x" + shape[1]
                    + " (data.resize / data.center_crop); make them agree");
        }
        if (!evaluation.fixedOutput()) {
            sameSize(root, first, trainItems);
            sameSize(root, first, valItems);
        }
        return new DataSplits(
                "ImageFolder",
                set(root, trainItems, channels, shape, training, prefetch),
                set(root, valItems, channels, shape, evaluation, prefetch),
                classes.size());
    }

    private static ImageFolderSet set(
            Path root, List<Item> items, int channels, int[] shape, ImageTransform t, BatchPrefetch prefetch) {
        List<Path> files = items.stream().map(Item::file).toList();
        int[] labels = items.stream().mapToInt(Item::label).toArray();
        return new ImageFolderSet(root, files, labels, channels, shape, t, prefetch);
    }

    private static void sameSize(Path root, Item first, List<Item> items) {
        for (Item i : items) {
            if (i.width() != first.width() || i.height() != first.height()) {
                throw new DataException("data.path " + root + ": " + i.file() + " is " + i.width() + "x" + i.height()
                        + ", " + first.file().getFileName() + " " + first.width() + "x" + first.height()
                        + "; set data.resize: [height, width], or data.resize and data.center_crop, to bring the"
                        + " images to one size");
            }
        }
    }

    private static BufferedImage decodeFirst(Path root, Path file) {
        try {
            BufferedImage img = ImageIO.read(file.toFile());
            if (img == null) {
                throw new DataException("data.path " + root + ": " + file + " is not a PNG or JPEG image");
            }
            return img;
        } catch (IOException | RuntimeException e) {
            throw new DataException("data.path " + root + ": " + file + " cannot be decoded: " + e.getMessage(), e);
        }
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

    private static List<Item> items(Path root, Path dir, List<String> classes, boolean skipUnreadable) {
        List<Item> items = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        int ignored = 0;
        for (int c = 0; c < classes.size(); c++) {
            Path classDir = dir.resolve(classes.get(c));
            if (!Files.isDirectory(classDir)) {
                continue;
            }
            List<Path> files = list(classDir);
            for (Path p : files) {
                if (!isImage(p)) {
                    ignored++;
                    continue;
                }
                String problem = probe(p, c, items);
                if (problem != null && !skipUnreadable) {
                    throw new DataException("data.path " + root + ": " + p + " " + problem
                            + "; remove it, or set data.skip_unreadable: true to leave such files out");
                } else if (problem != null) {
                    bad.add(p + " " + problem);
                }
            }
        }
        if (ignored > 0) {
            LOG.info("{}: {} files without a .png, .jpg or .jpeg name left out", dir, ignored);
        }
        if (!bad.isEmpty()) {
            LOG.warn(
                    "{}: {} unreadable images left out (data.skip_unreadable): {}",
                    dir,
                    bad.size(),
                    bad.subList(0, Math.min(NAMED_IN_LOG, bad.size())));
        }
        if (items.isEmpty()) {
            throw new DataException("data.path: no readable PNG or JPEG images under " + dir);
        }
        items.sort(Comparator.comparing((Item i) -> i.file().getFileName().toString())
                .thenComparingInt(Item::label));
        return items;
    }

    private static List<Path> list(Path classDir) {
        try (Stream<Path> s = Files.list(classDir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new DataException("data.path: cannot list " + classDir, e);
        }
    }

    /** Reads a file's header and adds it to items, or says what is wrong with it. */
    private static String probe(Path p, int label, List<Item> items) {
        if (!Files.isRegularFile(p)) {
            return "is not a regular file";
        } else if (!Files.isReadable(p)) {
            return "cannot be read (permissions)";
        }
        try {
            if (Files.size(p) == 0) {
                return "is empty (0 bytes)";
            }
            try (ImageInputStream in = ImageIO.createImageInputStream(p.toFile())) {
                Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
                if (readers == null || !readers.hasNext()) {
                    return "is not a PNG or JPEG image";
                }
                ImageReader reader = readers.next();
                try {
                    reader.setInput(in);
                    items.add(new Item(p, label, reader.getWidth(0), reader.getHeight(0)));
                    return null;
                } finally {
                    reader.dispose();
                }
            }
        } catch (IOException | RuntimeException e) {
            return "cannot be decoded: " + e.getMessage();
        }
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }
}
