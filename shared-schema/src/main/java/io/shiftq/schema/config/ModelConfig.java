package io.shiftq.schema.config;

/**
 * The model to quantize. The engine's model registry checks the name; this only checks it is there.
 *
 * @param name a registered architecture, e.g. {@code VGGSmall}
 * @param weights path or artifact URI of FP32 weights; null means random init or a trained baseline
 */
public record ModelConfig(String name, int numClasses, String weights) {

    /** VGGSmall, 10 classes, no weights. */
    public static ModelConfig defaults() {
        return new ModelConfig("VGGSmall", 10, null);
    }

    void check(String path, Problems p) {
        p.nonBlank(path + ".name", name);
        p.positive(path + ".num_classes", numClasses);
        if (weights != null) {
            p.nonBlank(path + ".weights", weights);
        }
    }
}
