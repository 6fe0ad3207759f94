package io.shiftq.engine.train;

import ai.djl.ndarray.NDArray;

/** Training losses named as in PyTorch: CrossEntropyLoss and MSELoss (logits against one-hot targets). */
public enum Criterion {
    /** Mean of -log softmax(logits)[label]. */
    CROSS_ENTROPY,
    /** Mean squared error between logits and one-hot labels. */
    MSE;

    /** Parses the config spelling. */
    public static Criterion parse(String name) {
        return switch (name) {
            case "CrossEntropyLoss" -> CROSS_ENTROPY;
            case "MSELoss" -> MSE;
            default ->
                throw new IllegalArgumentException(
                        "training.criterion: '" + name + "' is not one of CrossEntropyLoss, MSELoss");
        };
    }

    /** The mean loss of a batch; labels are int32 class indices. */
    public NDArray loss(NDArray logits, NDArray labels) {
        if (this == CROSS_ENTROPY) {
            NDArray logp = logits.logSoftmax(1);
            return logp.mul(labels.oneHot((int) logits.getShape().get(1)))
                    .sum(new int[] {1})
                    .neg()
                    .mean();
        }
        NDArray target = labels.oneHot((int) logits.getShape().get(1));
        return logits.sub(target).square().mean();
    }
}
