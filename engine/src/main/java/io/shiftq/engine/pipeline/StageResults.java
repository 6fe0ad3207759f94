package io.shiftq.engine.pipeline;

import io.shiftq.engine.deploy.Deployment;
import io.shiftq.engine.deploy.IntegerChecker;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.quant.ActivationStats;
import io.shiftq.engine.quant.QuantPlan;
import io.shiftq.engine.quant.TensorQuant;
import io.shiftq.schema.report.EpochResult;
import io.shiftq.schema.report.IntegerCheck;
import io.shiftq.schema.report.ModelSize;
import io.shiftq.schema.report.ShiftRecord;
import java.util.List;
import java.util.Map;

/** What each step of the pipeline hands to the next. */
public final class StageResults {
    private StageResults() {}

    /**
     * The FP32 starting point.
     *
     * @param weights FP32 parameters (with BatchNorm)
     * @param accuracy FP32 test accuracy, percent
     * @param epochs baseline training epochs (empty when loaded or untrained)
     */
    public record Baseline(StateDict weights, double accuracy, List<EpochResult> epochs) {}

    /**
     * The ptq stage: weights and biases quantized, activations in float.
     *
     * @param network the folded network
     * @param weights folded FP32 parameters; with {@code ptq.rounding: learned} each weight sits on its learned code
     * @param plan weight and provisional bias quantizers
     * @param accuracy accuracy with fake-quantized weights, percent
     * @param records shift records (weights and provisional biases)
     * @param learnedRoundingMs milliseconds spent learning the rounding ({@code ptq.rounding: learned}), else 0
     */
    public record Ptq(
            Network network,
            StateDict weights,
            QuantPlan plan,
            double accuracy,
            List<ShiftRecord> records,
            long learnedRoundingMs) {}

    /**
     * The qat stage: weight-only QAT.
     *
     * @param weights parameters of the best epoch
     * @param epochs per-epoch results
     * @param bestAccuracy best epoch's accuracy, percent
     * @param bestEpoch its 1-based number (0 when skipped)
     * @param plan weight quantizers of the best epoch
     * @param records shift records of the best epoch
     * @param skipped true when training.epochs is 0
     * @param thresholds with {@code training.thresholds: learned}, the best epoch's learned input and output
     *     quantizers by key ({@code <layer>.input}, {@code <layer>.output}) for the final_ptq stage; else empty
     * @param learnedThresholdsMs milliseconds learned thresholds added (their starting calibration and updates)
     * @param thresholdsMoved how many of them sit at another exponent than calibration chose
     */
    public record Qat(
            StateDict weights,
            List<EpochResult> epochs,
            double bestAccuracy,
            int bestEpoch,
            QuantPlan plan,
            List<ShiftRecord> records,
            boolean skipped,
            Map<String, TensorQuant> thresholds,
            long learnedThresholdsMs,
            int thresholdsMoved) {}

    /**
     * The final_ptq stage: every tensor quantized.
     *
     * @param plan all quantizers
     * @param accuracy fully quantized accuracy, percent
     * @param records complete shift records
     * @param stats calibration statistics
     * @param size FP32 against quantized bytes
     * @param skipped true when pipeline.final_ptq is false (the plan is then weight-only)
     * @param logits the fake-quant logits the accuracy was measured from, which the deployment check compares the
     *     integer executor with; null when skipped
     */
    public record FinalPtq(
            QuantPlan plan,
            double accuracy,
            List<ShiftRecord> records,
            Map<String, ActivationStats> stats,
            ModelSize size,
            boolean skipped,
            IntegerChecker.Logits logits) {}

    /**
     * The deployment files of the final_ptq stage and the integer executor's agreement with fake-quant.
     *
     * @param files everything written for hardware and tools
     * @param check integer executor against fake-quant on the test set
     */
    public record Deployed(Deployment.Files files, IntegerCheck check) {}
}
