package io.shiftq.schema.config;

import java.util.List;

/**
 * Step 2, weight-only QAT.
 *
 * @param epochs 0 skips QAT (the stage still reports, as skipped)
 * @param seed for shuffling and any random init, so runs repeat
 */
public record TrainingConfig(
        int epochs,
        double learningRate,
        double weightDecay,
        String criterion,
        OptimizerConfig optimizer,
        SchedulerConfig scheduler,
        long seed) {

    /** The loss functions the engine builds. */
    public static final List<String> CRITERIA = List.of("CrossEntropyLoss", "MSELoss");

    /** The seed's QAT settings: 5 epochs, AdamW at 1e-4 with weight decay 0.01, StepLR. */
    public static TrainingConfig defaults() {
        return new TrainingConfig(
                5, 0.0001, 0.01, "CrossEntropyLoss", OptimizerConfig.defaults(), SchedulerConfig.defaults(), 42);
    }

    void check(String path, Problems p) {
        p.nonNegative(path + ".epochs", epochs);
        p.interval(path + ".learning_rate", learningRate, 0, false, Double.POSITIVE_INFINITY, false);
        p.interval(path + ".weight_decay", weightDecay, 0, true, Double.POSITIVE_INFINITY, false);
        p.oneOf(path + ".criterion", criterion, CRITERIA);
        p.section(path + ".optimizer", optimizer, OptimizerConfig::check);
        p.section(path + ".scheduler", scheduler, SchedulerConfig::check);
    }
}
