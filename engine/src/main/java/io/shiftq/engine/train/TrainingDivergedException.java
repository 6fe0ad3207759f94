package io.shiftq.engine.train;

/**
 * Training that diverged ({@link TrainingLoop.Result#divergence}): the message says which run, what happened
 * and which setting to change; a stage turns it into its {@code StageFailed}.
 */
public final class TrainingDivergedException extends IllegalStateException {

    /** A failure naming the run (e.g. "QAT"), what happened, and the learning-rate key to lower with its value. */
    public TrainingDivergedException(String run, String what, String rateKey, double rate) {
        super(run + " diverged: " + what + "; lower " + rateKey + " (now " + rate + ")");
    }
}
