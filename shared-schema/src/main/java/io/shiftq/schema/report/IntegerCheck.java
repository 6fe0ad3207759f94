package io.shiftq.schema.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The integer executor (shift-only, reading only the exported files) against the fake-quant
 * evaluation of the same model on the same test images.
 *
 * @param images test images compared
 * @param integerAccuracy top-1 accuracy of the integer executor, percent
 * @param fakeQuantAccuracy top-1 accuracy of the fake-quant evaluation, percent
 * @param predictionMismatches images the two classify differently
 * @param logitMismatches images with at least one differing output code
 * @param rounding requantization rounding of the integer path, e.g. {@code half_up}
 */
public record IntegerCheck(
        int images,
        double integerAccuracy,
        double fakeQuantAccuracy,
        int predictionMismatches,
        int logitMismatches,
        String rounding) {

    /** Metric names under which the final PTQ stage event carries the check. */
    public static final List<String> METRICS = List.of(
            "integer_images",
            "integer_accuracy",
            "integer_fake_quant_accuracy",
            "integer_prediction_mismatches",
            "integer_logit_mismatches");

    /** The check as stage-event metrics (numbers only; rounding is always half up on the stage path). */
    public Map<String, Double> toMetrics() {
        double[] v = {images, integerAccuracy, fakeQuantAccuracy, predictionMismatches, logitMismatches};
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < v.length; i++) {
            m.put(METRICS.get(i), v[i]);
        }
        return m;
    }

    /** The check back from stage-event metrics, or null when the stage carried none. */
    public static IntegerCheck fromMetrics(Map<String, Double> metrics) {
        if (metrics == null || !metrics.keySet().containsAll(METRICS)) {
            return null;
        }
        return new IntegerCheck(
                metrics.get(METRICS.get(0)).intValue(),
                metrics.get(METRICS.get(1)),
                metrics.get(METRICS.get(2)),
                metrics.get(METRICS.get(3)).intValue(),
                metrics.get(METRICS.get(4)).intValue(),
                ShiftRecord.HALF_UP);
    }
}
