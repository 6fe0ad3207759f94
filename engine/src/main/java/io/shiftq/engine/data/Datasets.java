package io.shiftq.engine.data;

import io.shiftq.schema.config.DataConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds a data set by name: FashionMNIST and MNIST (IDX), CIFAR10 (binary), ImageFolder (PNG/JPEG in class
 * directories), Synthetic, and any
 * {@link DatasetProvider} on the class path.
 */
public final class Datasets {
    /** Where Debian's dataset-fashion-mnist package puts the files. */
    public static final Path FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** The name of torchvision-layout photo folders in {@code data.dataset}. */
    public static final String IMAGE_FOLDER = "ImageFolder";

    private Datasets() {}

    /**
     * Loads the data set a job's data section names: an image folder listed with its transforms and decoding workers
     * (decoded as batches are read), any other set read into memory, cut to the train and test limits.
     */
    public static DataSplits load(DataConfig data) {
        boolean folder = data.dataset().equals(IMAGE_FOLDER);
        if (!folder && data.usesFolderTransforms()) {
            throw new DataException("data.center_crop, data.random_resized_crop and data.horizontal_flip are for "
                    + IMAGE_FOLDER + " (transformed image by image); data.dataset " + data.dataset()
                    + " takes data.resize and data.normalize");
        }
        DataSplits splits = folder
                ? ImageFolderReader.read(Builtin.require(pathOf(data.path()), IMAGE_FOLDER), data)
                : load(data.dataset(), data.path());
        return splits.limit(data.trainLimit(), data.testLimit());
    }

    private static Path pathOf(String path) {
        return path == null || path.isBlank() ? null : Path.of(path);
    }

    /** Loads the named data set; path may be null for the default location. */
    public static DataSplits load(String name, String path) {
        for (DatasetProvider p : providers()) {
            if (p.names().contains(name)) {
                return p.load(name, pathOf(path));
            }
        }
        throw new DataException("data.dataset: '" + name + "' is not one of " + available());
    }

    /** All data set names, sorted. */
    public static List<String> available() {
        TreeSet<String> names = new TreeSet<>();
        providers().forEach(p -> names.addAll(p.names()));
        return List.copyOf(names);
    }

    private static List<DatasetProvider> providers() {
        List<DatasetProvider> list = new ArrayList<>();
        list.add(new Builtin());
        ServiceLoader.load(DatasetProvider.class).forEach(list::add);
        return list;
    }

    /** The data sets shiftq reads itself. */
    static final class Builtin implements DatasetProvider {
        @Override
        public Set<String> names() {
            return Set.of("FashionMNIST", "MNIST", "CIFAR10", "ImageFolder", "Synthetic");
        }

        @Override
        public DataSplits load(String name, Path path) {
            return switch (name) {
                case "FashionMNIST" -> IdxReader.read(name, path == null ? FASHION_MNIST_DIR : path);
                case "MNIST" -> IdxReader.read(name, require(path, name));
                case "CIFAR10" -> Cifar10Reader.read(require(path, name));
                case "ImageFolder" -> ImageFolderReader.read(require(path, name));
                case "Synthetic" -> SyntheticData.create(2048, 512, 10, 7);
                default -> throw new DataException("data.dataset: '" + name + "' is not one of " + names());
            };
        }

        static Path require(Path path, String name) {
            if (path == null) {
                throw new DataException("data.path: required for " + name + " (a directory with its files)");
            }
            return path;
        }
    }
}
