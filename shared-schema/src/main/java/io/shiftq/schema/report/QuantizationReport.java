package io.shiftq.schema.report;

import io.shiftq.schema.ImmutableCopies;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.config.QuantizationSpec;
import io.shiftq.schema.event.ArtifactRef;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.Stage;
import java.util.List;
import java.util.Map;

/**
 * A job's result: the seed's report fields (accuracies in percent, {@code final_quantization_details} keyed
 * {@code features.0.weight} / {@code .input} / {@code .output}) plus shift records, model size, the QAT curve,
 * stage timings and artifacts. Maps keep their insertion order, so layers appear in model order.
 *
 * @param variant custom or aimet
 * @param config the tensor quantization settings used
 * @param totalImprovement final minus initial accuracy, in percentage points
 * @param stageTimingsMs milliseconds per stage, keyed by stage id (e.g. {@code final_ptq})
 * @param integerCheck the integer executor against fake-quant on the test set; null when the final_ptq stage was skipped
 * @param status completed, or cancelled ({@code shiftq cancel}); then the accuracies of stages that did not run are
 *     null
 * @param cancelledStage the first stage the cancel stopped (or kept from starting); null unless cancelled
 * @param target the hardware target and its violation count; null without one (the generic profile)
 * @param learned the learned rounding or thresholds the job used and their cost in time; null when it used neither
 */
public record QuantizationReport(
        String schemaVersion,
        String jobId,
        String variant,
        String quantizationType,
        List<String> pipelineSteps,
        QuantizationSpec config,
        Map<String, LayerDetail> finalQuantizationDetails,
        Double initialAccuracy,
        Double ptqAccuracy,
        Double qatBestAccuracy,
        Double finalAccuracy,
        Double totalImprovement,
        List<ShiftRecord> shiftRecords,
        ModelSize modelSize,
        List<EpochResult> qatEpochs,
        Map<String, Long> stageTimingsMs,
        Map<String, ArtifactRef> artifacts,
        IntegerCheck integerCheck,
        JobStatus status,
        Stage cancelledStage,
        TargetSummary target,
        LearnedMethods learned) {

    /** The seed's {@code quantization_type}. */
    public static final String QUANTIZATION_TYPE = "PTQ → Weight-Only QAT → Final PTQ Pipeline";
    /** The seed's pipeline_steps line 1. */
    public static final String STEP_PTQ = "Step 1: PTQ for weight/bias initialization";
    /** The seed's pipeline_steps line 2. */
    public static final String STEP_QAT = "Step 2: Weight-only QAT training";
    /** The seed's pipeline_steps line 3. */
    public static final String STEP_FINAL_PTQ = "Step 3: Final PTQ for input/output quantization";
    /** The seed's {@code pipeline_steps}. */
    public static final List<String> PIPELINE_STEPS = List.of(STEP_PTQ, STEP_QAT, STEP_FINAL_PTQ);

    /** Copies the collections so the report cannot change after it is built; maps keep their order. */
    public QuantizationReport {
        pipelineSteps = ImmutableCopies.list(pipelineSteps);
        finalQuantizationDetails = ImmutableCopies.map(finalQuantizationDetails);
        shiftRecords = ImmutableCopies.list(shiftRecords);
        qatEpochs = ImmutableCopies.list(qatEpochs);
        stageTimingsMs = ImmutableCopies.map(stageTimingsMs);
        artifacts = ImmutableCopies.map(artifacts);
    }

    /** Starts the report of a job; the accuracies and everything else are named on the builder. */
    public static Builder builder(String jobId, String variant, QuantizationConfig config) {
        return new Builder(jobId, variant, config);
    }

    /**
     * Assembles a report with the seed's field names: accuracies rounded to two decimals, the total improvement
     * and {@code final_quantization_details} derived from the shift records. The one place a report is made,
     * whether by the engine in one process or by the reporting service from the stages' events.
     */
    public static final class Builder {
        private final String jobId;
        private final String variant;
        private final QuantizationConfig config;
        private Double initialAccuracy;
        private Double ptqAccuracy;
        private Double qatBestAccuracy;
        private Double finalAccuracy;
        private List<ShiftRecord> shiftRecords = List.of();
        private ModelSize modelSize;
        private List<EpochResult> qatEpochs = List.of();
        private Map<String, Long> stageTimingsMs = Map.of();
        private Map<String, ArtifactRef> artifacts = Map.of();
        private IntegerCheck integerCheck;
        private Stage cancelledStage;
        private Map<String, Double> metrics = Map.of();

        private Builder(String jobId, String variant, QuantizationConfig config) {
            this.jobId = jobId;
            this.variant = variant;
            this.config = config;
        }

        /** FP32 accuracy before any quantization, percent. */
        public Builder initialAccuracy(double value) {
            initialAccuracy = value;
            return this;
        }

        /** Accuracy after the ptq stage, percent. */
        public Builder ptqAccuracy(double value) {
            ptqAccuracy = value;
            return this;
        }

        /** Best accuracy over the QAT epochs, percent. */
        public Builder qatBestAccuracy(double value) {
            qatBestAccuracy = value;
            return this;
        }

        /** The fully quantized accuracy (or the weight-only one when final PTQ is off), percent. */
        public Builder finalAccuracy(double value) {
            finalAccuracy = value;
            return this;
        }

        /** One record per quantized layer, in network order. */
        public Builder shiftRecords(List<ShiftRecord> records) {
            shiftRecords = records;
            return this;
        }

        /** Parameter bytes at float32 and after quantization. */
        public Builder modelSize(ModelSize size) {
            modelSize = size;
            return this;
        }

        /** The QAT curve, one entry per epoch. */
        public Builder qatEpochs(List<EpochResult> epochs) {
            qatEpochs = epochs;
            return this;
        }

        /** Milliseconds per stage, keyed by stage id. */
        public Builder stageTimingsMs(Map<String, Long> timings) {
            stageTimingsMs = timings;
            return this;
        }

        /** The job's files in the artifact store, by name. */
        public Builder artifacts(Map<String, ArtifactRef> refs) {
            artifacts = refs;
            return this;
        }

        /**
         * The stages' metrics (merged), from which the report takes the cost of learned rounding and thresholds
         * ({@link LearnedMethods#of}).
         */
        public Builder metrics(Map<String, Double> stageMetrics) {
            metrics = stageMetrics;
            return this;
        }

        /** The integer executor against fake-quant; null when the final_ptq stage was skipped. */
        public Builder integerCheck(IntegerCheck check) {
            integerCheck = check;
            return this;
        }

        /**
         * Marks the job cancelled, first stopped at this stage; accuracies the stages did not measure stay unset
         * (null in the report).
         */
        public Builder cancelledAt(Stage stage) {
            cancelledStage = stage;
            return this;
        }

        /** The report. */
        public QuantizationReport build() {
            return new QuantizationReport(
                    EventTypes.SCHEMA_VERSION,
                    jobId,
                    variant,
                    QUANTIZATION_TYPE,
                    PIPELINE_STEPS,
                    config.quantization(),
                    LayerDetail.byTensor(shiftRecords),
                    rounded(initialAccuracy),
                    rounded(ptqAccuracy),
                    rounded(qatBestAccuracy),
                    rounded(finalAccuracy),
                    finalAccuracy == null || initialAccuracy == null
                            ? null
                            : Hundredths.round(finalAccuracy - initialAccuracy),
                    shiftRecords,
                    modelSize,
                    qatEpochs,
                    stageTimingsMs,
                    artifacts,
                    integerCheck,
                    cancelledStage == null ? JobStatus.COMPLETED : JobStatus.CANCELLED,
                    cancelledStage,
                    TargetSummary.of(config.target(), shiftRecords),
                    LearnedMethods.of(config, metrics));
        }

        private static Double rounded(Double percent) {
            return percent == null ? null : Hundredths.round(percent);
        }
    }
}
