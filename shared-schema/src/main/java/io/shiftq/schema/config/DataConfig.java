package io.shiftq.schema.config;

import java.util.List;

/**
 * The data set. The engine's data set registry checks the name.
 *
 * @param path directory holding the data set's files (gzipped IDX for Fashion-MNIST and MNIST)
 * @param trainLimit how many training images to use; 0 = all
 * @param testLimit how many test images to use; 0 = all
 * @param normalize per-channel normalization of the [0, 1] pixels, or null for none
 * @param resize [height, width] (or one value for both) the images are resized to, bilinearly, before the
 *     normalization; null keeps the data set's size
 */
public record DataConfig(
        String dataset,
        String path,
        int batchSize,
        int trainLimit,
        int testLimit,
        Normalize normalize,
        List<Integer> resize) {

    /** Largest side {@code data.resize} accepts: far above what a stage's memory holds for a data set. */
    public static final int MAX_RESIZE = 4096;

    /** Fashion-MNIST from Debian's dataset-fashion-mnist package, batches of 64, all images, no normalization. */
    public static DataConfig defaults() {
        return new DataConfig("FashionMNIST", "/usr/share/datasets/fashion-mnist", 64, 0, 0, null, null);
    }

    /**
     * x' = (x - mean[c]) / std[c] per channel c, on pixels scaled to [0, 1], as torchvision's {@code Normalize}
     * does; applied once when the data is loaded, so calibration, QAT, evaluation and the integer executor read the
     * same tensors.
     *
     * @param mean one value per channel
     * @param std one positive value per channel
     */
    public record Normalize(List<Double> mean, List<Double> std) {
        void check(String path, Problems p) {
            if (mean == null || mean.isEmpty()) {
                p.add(path + ".mean", "must list one value per channel");
            } else if (mean.stream().anyMatch(m -> m == null || !Double.isFinite(m))) {
                p.add(path + ".mean", "must be finite numbers, got " + mean);
            }
            if (std == null || std.isEmpty()) {
                p.add(path + ".std", "must list one value per channel");
            } else if (std.stream().anyMatch(s -> s == null || !(s > 0) || !Double.isFinite(s))) {
                p.add(path + ".std", "must be positive finite numbers, got " + std);
            }
            if (mean != null && std != null && !mean.isEmpty() && !std.isEmpty() && mean.size() != std.size()) {
                p.add(path, "mean has " + mean.size() + " values and std " + std.size() + "; give one per channel");
            }
        }
    }

    void check(String path, Problems p) {
        p.nonBlank(path + ".dataset", dataset);
        p.nonBlank(path + ".path", this.path);
        p.positive(path + ".batch_size", batchSize);
        p.atMost(path + ".batch_size", batchSize, p.limits().maxBatchSize());
        p.nonNegative(path + ".train_limit", trainLimit);
        p.atMost(path + ".train_limit", trainLimit, p.limits().maxImages());
        p.nonNegative(path + ".test_limit", testLimit);
        p.atMost(path + ".test_limit", testLimit, p.limits().maxImages());
        if (normalize != null) {
            normalize.check(path + ".normalize", p);
        }
        if (resize != null
                && (resize.isEmpty()
                        || resize.size() > 2
                        || resize.stream().anyMatch(v -> v == null || v < 1 || v > MAX_RESIZE))) {
            p.add(
                    path + ".resize",
                    "must be [height, width] or one size for both, each 1 to " + MAX_RESIZE + ", got " + resize);
        }
    }

    /** The [height, width] to resize to, or null to keep the data set's size. */
    public int[] resizeTo() {
        if (resize == null) {
            return null;
        }
        return new int[] {resize.get(0), resize.get(resize.size() - 1)};
    }
}
