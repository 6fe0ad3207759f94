package io.shiftq.schema.config;

import java.util.List;

/**
 * The QAT learning-rate schedule, stepped once per epoch.
 *
 * @param stepSize StepLR: epochs between decays
 * @param gamma StepLR: decay factor
 * @param tMax CosineAnnealingLR: epochs of the half cosine; 0 means {@code training.epochs}
 * @param etaMin CosineAnnealingLR: the lowest learning rate
 */
public record SchedulerConfig(String type, int stepSize, double gamma, int tMax, double etaMin) {

    /** The schedules the engine builds; None keeps the learning rate constant. */
    public static final List<String> TYPES = List.of("StepLR", "CosineAnnealingLR", "None");

    /** StepLR every 10 epochs by 0.1. */
    public static SchedulerConfig defaults() {
        return new SchedulerConfig("StepLR", 10, 0.1, 0, 0.0);
    }

    void check(String path, Problems p) {
        p.oneOf(path + ".type", type, TYPES);
        p.positive(path + ".step_size", stepSize);
        p.interval(path + ".gamma", gamma, 0, false, 1, true);
        p.nonNegative(path + ".t_max", tMax);
        p.interval(path + ".eta_min", etaMin, 0, true, Double.POSITIVE_INFINITY, false);
    }
}
