package io.shiftq.engine.pipeline;

import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.ArtifactRef;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.report.EpochResult;
import io.shiftq.schema.report.ModelSize;
import io.shiftq.schema.report.QuantizationReport;
import io.shiftq.schema.report.ShiftRecord;
import java.util.List;
import java.util.Map;

/** Assembles the report with the seed's field names from the steps' results. */
public final class Reports {
    private Reports() {
    }

    /**
     * The report of one job.
     *
     * @param finalAccuracy the fully quantized accuracy (or the weight-only one when final PTQ is off)
     */
    public static QuantizationReport assemble(String jobId, String variant, QuantizationConfig config,
            double initialAccuracy, double ptqAccuracy, double qatBestAccuracy, double finalAccuracy,
            List<ShiftRecord> records, ModelSize size, List<EpochResult> qatEpochs, Map<String, Long> timings,
            Map<String, ArtifactRef> artifacts) {
        return new QuantizationReport(EventTypes.SCHEMA_VERSION, jobId, variant, QuantizationReport.QUANTIZATION_TYPE,
                QuantizationReport.PIPELINE_STEPS, config.quantization(), ShiftRecords.details(records),
                round(initialAccuracy), round(ptqAccuracy), round(qatBestAccuracy), round(finalAccuracy),
                round(finalAccuracy - initialAccuracy), records, size, qatEpochs, timings, artifacts, null);
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
