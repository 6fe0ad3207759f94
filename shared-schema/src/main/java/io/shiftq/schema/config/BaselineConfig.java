package io.shiftq.schema.config;

/**
 * FP32 training before PTQ: from the random initialization, or fine-tuning the weights of {@code model.weights} or
 * {@code model.path} on the job's data.
 *
 * @param epochs 0 = quantize the randomly initialized model, as the seed's demo does, or the given weights as they
 *     are
 */
public record BaselineConfig(int epochs, double learningRate) {

    /** No baseline training, learning rate 0.001. */
    public static BaselineConfig defaults() {
        return new BaselineConfig(0, 0.001);
    }

    void check(String path, Problems p) {
        p.nonNegative(path + ".epochs", epochs);
        p.atMost(path + ".epochs", epochs, p.limits().maxEpochs());
        p.atMost(path + ".learning_rate", learningRate, p.limits().maxLearningRate());
        p.interval(path + ".learning_rate", learningRate, 0, false, Double.POSITIVE_INFINITY, false);
    }
}
