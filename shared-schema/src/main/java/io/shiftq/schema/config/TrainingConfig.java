package io.shiftq.schema.config;

import java.util.List;

/**
 * The qat stage, weight-only QAT.
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
        p.atMost(path + ".epochs", epochs, p.limits().maxEpochs());
        p.atMost(path + ".learning_rate", learningRate, p.limits().maxLearningRate());
        p.atMost(path + ".weight_decay", weightDecay, p.limits().maxWeightDecay());
        // A floor above the starting rate would make the cosine climb instead of anneal.
        if (scheduler != null && scheduler.etaMin() > learningRate) {
            p.add(
                    path + ".scheduler.eta_min",
                    scheduler.etaMin() + " is above training.learning_rate " + learningRate
                            + "; the annealing floor must not exceed the starting rate");
        }
        p.interval(path + ".learning_rate", learningRate, 0, false, Double.POSITIVE_INFINITY, false);
        p.interval(path + ".weight_decay", weightDecay, 0, true, Double.POSITIVE_INFINITY, false);
        p.oneOf(path + ".criterion", criterion, CRITERIA);
        p.section(path + ".optimizer", optimizer, OptimizerConfig::check);
        p.section(path + ".scheduler", scheduler, SchedulerConfig::check);
    }
}
