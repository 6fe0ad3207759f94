package io.shiftq.schema.config;

import java.util.List;

/**
 * The qat stage, weight-only QAT.
 *
 * @param epochs 0 skips QAT (the stage still reports, as skipped)
 * @param seed for shuffling and any random init, so runs repeat
 * @param thresholds {@code fixed}: QAT trains weights only and the final_ptq stage calibrates inputs and outputs (the
 *     seed's recipe); {@code learned}: QAT also runs the input and output quantizers, each with a trainable log2
 *     threshold (TQT, Jain et al. 2020), started from the calibration and handed on to the final_ptq stage
 * @param thresholdLearningRate Adam's learning rate for the log2 thresholds of {@code thresholds: learned}
 * @param recalibrateThresholds with {@code thresholds: learned}, the final_ptq stage calibrates again instead of
 *     keeping the learned exponents
 */
public record TrainingConfig(
        int epochs,
        double learningRate,
        double weightDecay,
        String criterion,
        OptimizerConfig optimizer,
        SchedulerConfig scheduler,
        long seed,
        String thresholds,
        double thresholdLearningRate,
        boolean recalibrateThresholds) {

    /** The loss functions the engine builds. */
    public static final List<String> CRITERIA = List.of("CrossEntropyLoss", "MSELoss");
    /** Weight-only QAT; inputs and outputs calibrated afterwards. */
    public static final String FIXED = "fixed";
    /** TQT's trained power-of-two thresholds. */
    public static final String LEARNED = "learned";
    /** The values {@code training.thresholds} takes. */
    public static final List<String> THRESHOLDS = List.of(FIXED, LEARNED);

    /**
     * The seed's QAT settings: 5 epochs, AdamW at 1e-4 with weight decay 0.01, StepLR; fixed thresholds (and 0.01
     * for the log2 thresholds when learned ones are asked for: a step of Adam moves log2 t by about that much, so a
     * few hundred steps can move an exponent by one).
     */
    public static TrainingConfig defaults() {
        return new TrainingConfig(
                5,
                0.0001,
                0.01,
                "CrossEntropyLoss",
                OptimizerConfig.defaults(),
                SchedulerConfig.defaults(),
                42,
                FIXED,
                0.01,
                false);
    }

    /** Whether QAT learns the input and output thresholds. */
    public boolean learnedThresholds() {
        return LEARNED.equals(thresholds);
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
        p.oneOf(path + ".thresholds", thresholds, THRESHOLDS);
        p.atMost(
                path + ".threshold_learning_rate",
                thresholdLearningRate,
                p.limits().maxLearningRate());
        p.interval(path + ".threshold_learning_rate", thresholdLearningRate, 0, false, Double.POSITIVE_INFINITY, false);
        p.section(path + ".optimizer", optimizer, OptimizerConfig::check);
        p.section(path + ".scheduler", scheduler, SchedulerConfig::check);
    }
}
