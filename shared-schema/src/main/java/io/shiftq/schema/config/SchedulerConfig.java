package io.shiftq.schema.config;

import java.util.List;

/**
 * The QAT learning-rate schedule, stepped once per epoch as PyTorch's schedulers are, or at every
 * batch along the same curve.
 *
 * @param type StepLR, CosineAnnealingLR or None
 * @param stepSize StepLR: epochs between decays
 * @param gamma StepLR: decay factor
 * @param tMax CosineAnnealingLR: epochs of the half cosine; 0 means {@code training.epochs}
 * @param etaMin CosineAnnealingLR: the lowest learning rate
 * @param interval {@code epoch}: one learning rate per epoch; {@code step}: the same curve
 *     evaluated at every batch at the fractional epoch, so a cosine decays within a single epoch
 *     (step_size and t_max still count epochs)
 */
public record SchedulerConfig(String type, int stepSize, double gamma, int tMax, double etaMin, String interval) {

    /** The schedules the engine builds; None keeps the learning rate constant. */
    public static final List<String> TYPES = List.of("StepLR", "CosineAnnealingLR", "None");

    /** When the schedule moves: once per epoch or at every batch. */
    public static final List<String> INTERVALS = List.of("epoch", "step");

    /** StepLR every 10 epochs by 0.1, stepped per epoch. */
    public static SchedulerConfig defaults() {
        return new SchedulerConfig("StepLR", 10, 0.1, 0, 0.0, "epoch");
    }

    void check(String path, Problems p) {
        p.oneOf(path + ".type", type, TYPES);
        p.positive(path + ".step_size", stepSize);
        p.interval(path + ".gamma", gamma, 0, false, 1, true);
        p.nonNegative(path + ".t_max", tMax);
        p.atMost(
                path + ".step_size",
                stepSize,
                p.limits().maxEpochs() * (long) p.limits().maxBatches());
        p.atMost(
                path + ".t_max",
                tMax,
                p.limits().maxEpochs() * (long) p.limits().maxBatches());
        p.interval(path + ".eta_min", etaMin, 0, true, Double.POSITIVE_INFINITY, false);
        p.oneOf(path + ".interval", interval, INTERVALS);
    }
}
