package io.shiftq.schema.config;

/**
 * The data set. The engine's data set registry checks the name.
 *
 * @param path directory holding the data set's files (gzipped IDX for Fashion-MNIST and MNIST)
 * @param trainLimit how many training images to use; 0 = all
 * @param testLimit how many test images to use; 0 = all
 */
public record DataConfig(String dataset, String path, int batchSize, int trainLimit, int testLimit) {

    /** Fashion-MNIST from Debian's dataset-fashion-mnist package, batches of 64, all images. */
    public static DataConfig defaults() {
        return new DataConfig("FashionMNIST", "/usr/share/datasets/fashion-mnist", 64, 0, 0);
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
    }
}
