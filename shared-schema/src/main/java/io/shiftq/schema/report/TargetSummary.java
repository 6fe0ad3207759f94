package io.shiftq.schema.report;

import io.shiftq.schema.config.TargetConfig;
import io.shiftq.schema.config.TargetLimits;
import java.util.List;

/**
 * The hardware target a job was quantized for, as the report states it.
 *
 * @param profile the profile's name
 * @param limits the limits in force (the profile's, with those the config spelled out)
 * @param violations how many violations the shift records list (0 when every limit was met)
 * @param layersMoved how many layers a limit moved an exponent of (their {@code target_notes} say which and why)
 * @param largestAccumulatorBound the largest worst-case accumulator over the layers, or null when none was computed
 */
public record TargetSummary(
        String profile, TargetLimits limits, int violations, int layersMoved, Long largestAccumulatorBound) {

    /** The summary of a constrained job's records; null for a job without a target (the generic profile). */
    public static TargetSummary of(TargetConfig target, List<ShiftRecord> records) {
        if (target == null || !target.constrains()) {
            return null;
        }
        return new TargetSummary(
                target.profile(),
                target.resolved(),
                records.stream().mapToInt(r -> r.violations().size()).sum(),
                (int) records.stream().filter(r -> r.targetNotes() != null).count(),
                records.stream()
                        .map(ShiftRecord::accumulatorBound)
                        .filter(b -> b != null)
                        .max(Long::compare)
                        .orElse(null));
    }
}
