package io.shiftq.engine.quant;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The artifact {@code activation_stats.json}: per tensor (e.g. {@code features.0.input}) the smallest and
 * largest FP32 value calibration saw and how many values it saw.
 */
public record ActivationSummary(Map<String, HeapTensor> tensors) {

    /** What calibration saw of one tensor. */
    public record HeapTensor(float min, float max, long count) {}

    /** The summary of the engine's statistics, in their order. */
    public static ActivationSummary of(Map<String, ActivationStats> stats) {
        Map<String, HeapTensor> tensors = new LinkedHashMap<>();
        stats.forEach((name, s) -> tensors.put(name, new HeapTensor(s.min(), s.max(), s.count())));
        return new ActivationSummary(tensors);
    }
}
