package io.shiftq.schema.report;

import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.Metrics;
import java.util.Map;

/**
 * The learned methods a job used beyond the seed's recipe (issue 24) and what they cost in time; a report of a job
 * that used neither has none, so a default job's report stays as it was.
 *
 * @param rounding {@code ptq.rounding}: nearest or learned (AdaRound)
 * @param learnedRoundingMs milliseconds the ptq stage spent learning the rounding; null with nearest rounding
 * @param thresholds {@code training.thresholds}: fixed or learned (TQT)
 * @param learnedThresholdsMs milliseconds learned thresholds added to the qat stage (their starting calibration and
 *     their updates); null with fixed thresholds or a skipped QAT
 * @param thresholdsMoved how many input and output exponents QAT moved from calibration; null as the above
 */
public record LearnedMethods(
        String rounding, Long learnedRoundingMs, String thresholds, Long learnedThresholdsMs, Integer thresholdsMoved) {

    /**
     * What a job's config asked for, with the costs from its stages' metrics ({@link Metrics#LEARNED_ROUNDING_MS},
     * {@link Metrics#LEARNED_THRESHOLDS_MS}, {@link Metrics#THRESHOLDS_MOVED}); null when it asked for neither.
     */
    public static LearnedMethods of(QuantizationConfig config, Map<String, Double> metrics) {
        boolean rounding = config.ptq() != null && config.ptq().learnedRounding();
        boolean thresholds = config.training() != null && config.training().learnedThresholds();
        if (!rounding && !thresholds) {
            return null;
        }
        return new LearnedMethods(
                config.ptq().rounding(),
                rounding ? whole(metrics.get(Metrics.LEARNED_ROUNDING_MS)) : null,
                config.training().thresholds(),
                thresholds ? whole(metrics.get(Metrics.LEARNED_THRESHOLDS_MS)) : null,
                thresholds && metrics.get(Metrics.THRESHOLDS_MOVED) != null
                        ? (int) Math.round(metrics.get(Metrics.THRESHOLDS_MOVED))
                        : null);
    }

    private static Long whole(Double v) {
        return v == null ? null : Math.round(v);
    }
}
