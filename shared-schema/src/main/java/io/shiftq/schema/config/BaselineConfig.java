package io.shiftq.schema.config;

/**
 * FP32 training before PTQ, used only when {@code model.weights} is not given.
 *
 * @param epochs 0 = quantize the randomly initialized model, as the seed's demo does
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
