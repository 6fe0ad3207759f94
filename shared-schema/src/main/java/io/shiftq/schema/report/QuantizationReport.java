package io.shiftq.schema.report;

import io.shiftq.schema.Copies;
import io.shiftq.schema.config.QuantizationSpec;
import io.shiftq.schema.event.ArtifactRef;
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
 * @param integerCheck the integer executor against fake-quant on the test set; null when step 3 was skipped
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
        IntegerCheck integerCheck) {

    /** The seed's {@code quantization_type}. */
    public static final String QUANTIZATION_TYPE = "PTQ → Weight-Only QAT → Final PTQ Pipeline";
    /** The seed's step 1 line. */
    public static final String STEP_PTQ = "Step 1: PTQ for weight/bias initialization";
    /** The seed's step 2 line. */
    public static final String STEP_QAT = "Step 2: Weight-only QAT training";
    /** The seed's step 3 line. */
    public static final String STEP_FINAL_PTQ = "Step 3: Final PTQ for input/output quantization";
    /** The seed's {@code pipeline_steps}. */
    public static final List<String> PIPELINE_STEPS = List.of(STEP_PTQ, STEP_QAT, STEP_FINAL_PTQ);

    /** Copies the collections so the report cannot change after it is built; maps keep their order. */
    public QuantizationReport {
        pipelineSteps = Copies.list(pipelineSteps);
        finalQuantizationDetails = Copies.map(finalQuantizationDetails);
        shiftRecords = Copies.list(shiftRecords);
        qatEpochs = Copies.list(qatEpochs);
        stageTimingsMs = Copies.map(stageTimingsMs);
        artifacts = Copies.map(artifacts);
    }

    /** The same report with the integer executor's check attached. */
    public QuantizationReport withIntegerCheck(IntegerCheck check) {
        return new QuantizationReport(schemaVersion, jobId, variant, quantizationType, pipelineSteps, config,
                finalQuantizationDetails, initialAccuracy, ptqAccuracy, qatBestAccuracy, finalAccuracy, totalImprovement,
                shiftRecords, modelSize, qatEpochs, stageTimingsMs, artifacts, check);
    }

    /** The same report with these artifacts listed. */
    public QuantizationReport withArtifacts(Map<String, ArtifactRef> refs) {
        return new QuantizationReport(schemaVersion, jobId, variant, quantizationType, pipelineSteps, config,
                finalQuantizationDetails, initialAccuracy, ptqAccuracy, qatBestAccuracy, finalAccuracy, totalImprovement,
                shiftRecords, modelSize, qatEpochs, stageTimingsMs, refs, integerCheck);
    }
}
