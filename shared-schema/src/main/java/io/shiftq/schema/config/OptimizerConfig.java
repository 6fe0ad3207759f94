package io.shiftq.schema.config;

import java.util.List;

/**
 * The QAT optimizer; which fields apply depends on the type (momentum for SGD, betas and eps for Adam/AdamW).
 *
 * @param beta1 Adam's first-moment decay
 * @param beta2 Adam's second-moment decay
 */
public record OptimizerConfig(String type, double momentum, double beta1, double beta2, double eps) {

    /** The optimizer types the engine builds; AdamW is the seed's default. */
    public static final List<String> TYPES = List.of("AdamW", "Adam", "SGD");

    /** AdamW with PyTorch's betas (0.9, 0.999) and eps 1e-8; momentum 0.9 if the type is changed to SGD. */
    public static OptimizerConfig defaults() {
        return new OptimizerConfig("AdamW", 0.9, 0.9, 0.999, 1e-8);
    }

    void check(String path, Problems p) {
        p.oneOf(path + ".type", type, TYPES);
        p.interval(path + ".momentum", momentum, 0, true, 1, false);
        p.interval(path + ".beta1", beta1, 0, true, 1, false);
        p.interval(path + ".beta2", beta2, 0, true, 1, false);
        p.interval(path + ".eps", eps, 0, false, Double.POSITIVE_INFINITY, false);
        p.atMost(path + ".eps", eps, p.limits().maxEps());
    }
}
