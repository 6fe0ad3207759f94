package io.shiftq.schema.config;

import java.util.Locale;

/**
 * The model to quantize: a registered architecture by name, or an ONNX file. The engine's model registry checks
 * the name and reads the file; this checks the values are there and do not contradict each other.
 *
 * @param name a registered architecture, e.g. {@code VGGSmall}; ignored when {@code path} is set
 * @param numClasses number of logits
 * @param weights path or artifact URI of FP32 weights; null means random init or a trained baseline
 * @param path an {@code .onnx} file (graph and weights, e.g. from {@code torch.onnx.export}); null means
 *     {@code name}
 */
public record ModelConfig(String name, int numClasses, String weights, String path) {

    /**
     * Most classes {@code model.num_classes} accepts: ten times ImageNet-21k's 21,841, so any real label set fits,
     * while the last layer's weights stay far inside an array (a billion classes overflowed its size).
     */
    public static final int MAX_CLASSES = 100_000;

    /** VGGSmall, 10 classes, no weights, no ONNX file. */
    public static ModelConfig defaults() {
        return new ModelConfig("VGGSmall", 10, null, null);
    }

    /** Whether the model comes from an ONNX file. */
    public boolean usesOnnx() {
        return path != null && !path.isBlank();
    }

    void check(String path, Problems p) {
        p.nonBlank(path + ".name", name);
        p.range(path + ".num_classes", numClasses, 1, MAX_CLASSES);
        if (weights != null) {
            p.nonBlank(path + ".weights", weights);
        }
        if (this.path != null) {
            p.nonBlank(path + ".path", this.path);
            if (!this.path.isBlank() && !this.path.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
                p.add(path + ".path", "must name an .onnx file, got " + Problems.quote(this.path));
            }
            if (weights != null) {
                p.add(path + ".weights", "must not be set with " + path + ".path: the ONNX file holds the weights");
            }
        }
    }
}
