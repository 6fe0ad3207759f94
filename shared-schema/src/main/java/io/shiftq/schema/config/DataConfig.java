package io.shiftq.schema.config;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.util.List;
import java.util.Map;

/**
 * The data set. The engine's data set registry checks the name.
 *
 * @param path directory holding the data set's files (gzipped IDX for Fashion-MNIST and MNIST)
 * @param trainLimit how many training images to use; 0 = all
 * @param testLimit how many test images to use; 0 = all
 * @param normalize per-channel normalization of the [0, 1] pixels, or null for none
 * @param resize torchvision's {@code Resize}: [height, width], or one size (a number or a one-element list) that the
 *     shorter side is resized to keeping the aspect ratio; bilinear, before the crop and the normalization; null
 *     keeps the data set's size
 * @param centerCrop torchvision's {@code CenterCrop}: the square side cut from the middle after the resize (evaluation,
 *     calibration and the integer check; training too unless {@code random_resized_crop} is set); ImageFolder only
 * @param randomResizedCrop torchvision's {@code RandomResizedCrop(size)} (scale 0.08-1, ratio 3/4-4/3), training only,
 *     seeded by {@code training.seed} and the epoch; ImageFolder only
 * @param horizontalFlip torchvision's {@code RandomHorizontalFlip()} (p = 0.5) on training images, seeded as above;
 *     ImageFolder only
 * @param workers threads that decode and transform image files (DataLoader's {@code num_workers}); ImageFolder only
 * @param prefetch batches each worker decodes ahead (DataLoader's {@code prefetch_factor}); ImageFolder only
 * @param skipUnreadable leave out files of an image folder that cannot be decoded (logged with their names) instead of
 *     failing the job naming the first of them
 */
public record DataConfig(
        String dataset,
        String path,
        int batchSize,
        int trainLimit,
        int testLimit,
        Normalize normalize,

        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        List<Integer> resize,

        Integer centerCrop,
        Integer randomResizedCrop,
        boolean horizontalFlip,
        int workers,
        int prefetch,
        boolean skipUnreadable) {

    /** Largest side {@code data.resize} accepts: far above what a stage's memory holds for a data set. */
    public static final int MAX_RESIZE = 4096;

    /** Most decoding threads {@code data.workers} accepts. */
    public static final int MAX_WORKERS = 64;

    /** Most batches per worker {@code data.prefetch} accepts. */
    public static final int MAX_PREFETCH = 16;

    /**
     * Most values one batch of images may hold: 2^28 float32 values, 1 GiB, half a stage container's memory (a
     * 4096 x 4096 batch of 64 would hold 2^30 values per channel and overflow Java's int array sizes).
     */
    public static final long MAX_BATCH_VALUES = 1L << 28;

    /** Channels the batch bound assumes: RGB, the most any data set here decodes to. */
    public static final int MAX_CHANNELS = 3;

    /**
     * Fashion-MNIST from Debian's dataset-fashion-mnist package, batches of 64, all images, no normalization; image
     * folders decoded by 2 workers, 2 batches ahead each (the machine this was measured on has 2 cores).
     */
    public static DataConfig defaults() {
        return new DataConfig(
                "FashionMNIST",
                "/usr/share/datasets/fashion-mnist",
                64,
                0,
                0,
                null,
                null,
                null,
                null,
                false,
                2,
                2,
                false);
    }

    /** The same data set and sizes with no transforms beyond the fixed {@code resize} given (or none). */
    public static DataConfig of(String dataset, String path, int batchSize, List<Integer> resize) {
        DataConfig d = defaults();
        return new DataConfig(
                dataset, path, batchSize, 0, 0, null, resize, null, null, false, d.workers(), d.prefetch(), false);
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
                && (resize.isEmpty() || resize.size() > 2 || !resize.stream().allMatch(DataConfig::inSize))) {
            p.add(
                    path + ".resize",
                    "must be [height, width] or one size for the shorter side, each 1 to " + MAX_RESIZE + ", got "
                            + resize);
        }
        side(path + ".center_crop", centerCrop, p);
        side(path + ".random_resized_crop", randomResizedCrop, p);
        p.range(path + ".workers", workers, 1, MAX_WORKERS);
        p.range(path + ".prefetch", prefetch, 1, MAX_PREFETCH);
        batchValues(path, p);
    }

    /**
     * The batch tensor's size, batch x channels x the largest image a transform asks for, bounded by
     * {@link #MAX_BATCH_VALUES}; named by the size field that sets it. Checked only when each value is in range on
     * its own (out-of-range values have their own problem).
     */
    private void batchValues(String path, Problems p) {
        String field = null;
        long pixels = 0;
        if (resize != null
                && !resize.isEmpty()
                && resize.size() <= 2
                && resize.stream().allMatch(DataConfig::inSize)) {
            field = "resize";
            pixels = fixedResize() ? (long) resize.get(0) * resize.get(1) : (long) resize.get(0) * resize.get(0);
        }
        for (var crop : List.of(
                Map.entry("center_crop", validSide(centerCrop)),
                Map.entry("random_resized_crop", validSide(randomResizedCrop)))) {
            if (crop.getValue() * crop.getValue() > pixels) {
                field = crop.getKey();
                pixels = crop.getValue() * crop.getValue();
            }
        }
        long values = (long) batchSize * MAX_CHANNELS * pixels;
        if (field != null && batchSize >= 1 && values > MAX_BATCH_VALUES) {
            p.add(
                    path + "." + field,
                    "a batch of " + batchSize + " images (data.batch_size) of up to " + MAX_CHANNELS + " x " + pixels
                            + " pixels holds " + values + " values, above the bound " + MAX_BATCH_VALUES
                            + " (1 GiB of float32); lower data." + field + " or data.batch_size");
        }
    }

    private static boolean inSize(Integer v) {
        return v != null && v >= 1 && v <= MAX_RESIZE;
    }

    private static long validSide(Integer v) {
        return inSize(v) ? v : 0;
    }

    private static void side(String path, Integer value, Problems p) {
        if (value != null && !inSize(value)) {
            p.add(path, "must be a size from 1 to " + MAX_RESIZE + ", got " + value);
        }
    }

    /**
     * The [height, width] an image of the given size is resized to, or null when {@code resize} is not set: both
     * sides as given, or the shorter side to the one size and the longer one scaled and truncated, as torchvision
     * computes it ({@code int(size * long / short)}).
     */
    public int[] resizeTo(int height, int width) {
        if (resize == null) {
            return null;
        } else if (fixedResize()) {
            return new int[] {resize.get(0), resize.get(1)};
        }
        int s = resize.get(0);
        if (height <= width) {
            return new int[] {s, (int) ((long) s * width / height)};
        }
        return new int[] {(int) ((long) s * height / width), s};
    }

    /** Whether {@code resize} names both sides ([height, width]) rather than the shorter side. */
    public boolean fixedResize() {
        return resize != null && resize.size() == 2;
    }

    /**
     * Whether any transform only image folders support is set: the crops and the flip (the in-memory data sets are
     * resized and normalized once at load time; they have no per-image pipeline).
     */
    public boolean usesFolderTransforms() {
        return centerCrop != null || randomResizedCrop != null || horizontalFlip;
    }
}
