package io.shiftq.schema.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.shiftq.schema.Json;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.config.QuantizationSpec;
import io.shiftq.schema.report.EpochResult;
import io.shiftq.schema.report.JobStatus;
import io.shiftq.schema.report.LayerDetail;
import io.shiftq.schema.report.ModelSize;
import io.shiftq.schema.report.QuantizationReport;
import io.shiftq.schema.report.ShiftRecord;
import io.shiftq.schema.report.ShiftValue;
import io.shiftq.schema.report.TensorShift;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventJsonTest {

    private static final Instant T0 = Instant.parse("2026-01-02T03:04:05.678Z");
    private static final Instant T1 = Instant.parse("2026-01-02T03:05:00Z");
    private static final ArtifactRef MODEL =
            new ArtifactRef("file:///store/job-1/model.params", "ab".repeat(32), 123_456);
    private static final String V = EventTypes.SCHEMA_VERSION;

    private static ShiftRecord record() {
        return ShiftRecord.derive(
                "features.0",
                "Conv2d",
                TensorShift.perChannel("features.0.weight", 8, true, "mse", List.of(9, 10), 41.2),
                TensorShift.perTensor("features.0.bias", 32, true, "max", 15, null),
                TensorShift.perTensor("features.0.input", 8, false, "mse", 6, 48.0),
                TensorShift.perTensor("features.0.output", 8, false, "mse", 5, 39.5),
                null,
                ShiftRecord.HALF_UP);
    }

    private static <T> T roundTrip(T event) {
        @SuppressWarnings("unchecked")
        T back = (T) Json.read(Json.write(event), event.getClass());
        assertThat(back).isEqualTo(event);
        return back;
    }

    private static JsonNode tree(Object value) {
        return Json.mapper().valueToTree(value);
    }

    @Test
    void quantizationRequestedRoundTripsInSnakeCase() {
        QuantizationRequested event = QuantizationRequested.of(
                "job-1", ShiftqEvent.CUSTOM, QuantizationConfig.parseYaml("training: {epochs: 0}"));
        roundTrip(event);
        JsonNode json = tree(event);
        assertThat(json.fieldNames())
                .toIterable()
                .containsExactly("schema_version", "job_id", "variant", "requested_at", "config");
        assertThat(json.at("/config/training/learning_rate").asDouble()).isEqualTo(0.0001);
        assertThat(json.at("/config/quantization/weight/power_of_2").asBoolean())
                .isTrue();
        assertThat(json.at("/config/pipeline/final_ptq").asBoolean()).isTrue();
        assertThat(json.at("/config/model").has("weights")).isFalse();
    }

    @Test
    void instantsAreIsoStrings() {
        String json = Json.write(new QuantizationRequested(V, "j", "aimet", T0, QuantizationConfig.defaults()));
        assertThat(json).contains("\"requested_at\":\"2026-01-02T03:04:05.678Z\"");
    }

    @Test
    void stageCompletedRoundTripsWithRecordsAndArtifacts() {
        Map<String, ArtifactRef> artifacts = new LinkedHashMap<>();
        artifacts.put("model", MODEL);
        artifacts.put("activation_stats", new ArtifactRef("file:///store/job-1/stats.json", "cd".repeat(32), 9));
        StageCompleted event = new StageCompleted(
                V,
                "job-1",
                "custom",
                Stage.FINAL_PTQ,
                StageStatus.COMPLETED,
                T0,
                T1,
                QuantizationConfig.defaults(),
                88.5,
                Map.of("fp32_accuracy", 90.1),
                List.of(record()),
                List.of(new EpochResult(1, 0.45, 84.0, 86.5, 0.0001, 61_000)),
                artifacts);
        roundTrip(event);
        JsonNode json = tree(event);
        assertThat(json.get("stage").asText()).isEqualTo("final_ptq");
        assertThat(json.get("status").asText()).isEqualTo("completed");
        assertThat(json.get("artifacts").fieldNames()).toIterable().containsExactly("model", "activation_stats");
        JsonNode shift = json.at("/shift_records/0");
        assertThat(shift.get("op_type").asText()).isEqualTo("Conv2d");
        assertThat(shift.get("shift_cut").asInt()).isEqualTo(9 + 6 - 5);
        assertThat(shift.get("value_rounding").asText()).isEqualTo("half_up");
        assertThat(shift.at("/weight/channel_exponents").toString()).isEqualTo("[9,10]");
        assertThat(shift.at("/weight/shift/power_of_2").asText()).isEqualTo("2^(-9)");
        assertThat(shift.at("/weight/shift/hardware_op").asText()).isEqualTo("x >> 9");
        assertThat(shift.at("/weight/sqnr_db").asDouble()).isEqualTo(41.2);
        assertThat(json.at("/epochs/0/train_loss").asDouble()).isEqualTo(0.45);
        assertThat(event.millis()).isEqualTo(54_322L);
    }

    @Test
    void skippedStageRoundTrips() {
        roundTrip(new StageCompleted(
                V,
                "job-2",
                "aimet",
                Stage.QAT,
                StageStatus.SKIPPED,
                T0,
                T0,
                QuantizationConfig.parseYaml("training: {epochs: 0}"),
                null,
                null,
                null,
                null,
                null));
        assertThat(Json.write(new StageCompleted(
                        V,
                        "job-2",
                        "aimet",
                        Stage.QAT,
                        StageStatus.SKIPPED,
                        null,
                        null,
                        QuantizationConfig.defaults(),
                        null,
                        null,
                        null,
                        null,
                        null)))
                .contains("\"status\":\"skipped\"")
                .doesNotContain("accuracy", "null");
    }

    @Test
    void progressFailureAndReportEventsRoundTrip() {
        roundTrip(new StageProgress(
                V, "job-1", "custom", Stage.QAT, 42.5, 1, 5, 300, 938, 0.61, 78.2, 120.0, "epoch 1/5", T0));
        roundTrip(new StageFailed(
                V,
                "job-1",
                "custom",
                Stage.PTQ,
                "invalid config",
                List.of("data.batch_size: must be a positive integer, got 0"),
                Topics.REQUESTS,
                "{\"x\"",
                T0));
        ReportPublished published = roundTrip(new ReportPublished(
                V, "job-1", "custom", MODEL, new ReportSummary(10.12, 9.92, 38.99, 38.99, 7, 300_000), T1));
        assertThat(tree(published).at("/summary/qat_best_accuracy").asDouble()).isEqualTo(38.99);
        assertThat(tree(StageProgress.of("job-1", "custom", Stage.CALIBRATION, 10, "batch 5/50"))
                        .get("eta_seconds"))
                .isNull();
    }

    @Test
    void reportKeepsTheSeedFieldNamesAndLayerOrder() {
        Map<String, LayerDetail> details = new LinkedHashMap<>();
        details.put("features.0.weight", LayerDetail.of(ShiftValue.of(9), 8));
        details.put("features.0.input", LayerDetail.of(ShiftValue.of(6), 8));
        details.put("features.0.output", LayerDetail.of(ShiftValue.of(5), 8));
        details.put("classifier.0.weight", LayerDetail.of(ShiftValue.of(7), 8));
        Map<String, Long> timings = new LinkedHashMap<>();
        timings.put("ptq", 1200L);
        timings.put("final_ptq", 800L);
        QuantizationReport report = new QuantizationReport(
                V,
                "job-1",
                "custom",
                QuantizationReport.QUANTIZATION_TYPE,
                QuantizationReport.PIPELINE_STEPS,
                QuantizationSpec.defaults(),
                details,
                10.12,
                9.92,
                38.99,
                38.99,
                28.87,
                List.of(record()),
                ModelSize.of(4000, 1000),
                List.of(),
                timings,
                Map.of("model", MODEL),
                null,
                JobStatus.COMPLETED,
                null,
                null,
                null);
        QuantizationReport back = Json.read(Json.writePretty(report), QuantizationReport.class);
        assertThat(back).isEqualTo(report);
        JsonNode json = tree(report);
        assertThat(json.get("quantization_type").asText()).isEqualTo("PTQ → Weight-Only QAT → Final PTQ Pipeline");
        assertThat(json.get("pipeline_steps").get(1).asText()).isEqualTo("Step 2: Weight-only QAT training");
        assertThat(json.get("final_quantization_details").fieldNames())
                .toIterable()
                .containsExactly("features.0.weight", "features.0.input", "features.0.output", "classifier.0.weight");
        assertThat(json.at("/final_quantization_details/features.0.weight").toString())
                .isEqualTo(
                        "{\"scale\":0.001953125,\"power_of_2\":\"2^(-9)\",\"hardware_op\":\"x >> 9\",\"bitwidth\":8}");
        assertThat(json.at("/config/bias/bitwidth").asInt()).isEqualTo(32);
        assertThat(json.at("/model_size/float32_bytes").asLong()).isEqualTo(4000);
        assertThat(json.at("/stage_timings_ms/final_ptq").asLong()).isEqualTo(800);
        assertThat(json.get("total_improvement").asDouble()).isEqualTo(28.87);
        assertThat(back.finalQuantizationDetails().keySet())
                .containsExactly("features.0.weight", "features.0.input", "features.0.output", "classifier.0.weight");
    }

    @Test
    void readerToleratesUnknownEventFields() {
        String json = Json.write(StageProgress.of("job-1", "custom", Stage.PTQ, 5, "x"))
                .replaceFirst("\\{", "{\"added_in_v1_1\":true,");
        assertThat(Json.read(json, StageProgress.class).percent()).isEqualTo(5.0);
    }

    @Test
    void readerSaysWhatIsWrong() {
        assertThatThrownBy(() -> Json.read("{oops", StageProgress.class))
                .isInstanceOf(EventReadException.class)
                .hasMessageStartingWith("not JSON");
        assertThatThrownBy(() -> Json.read("", StageProgress.class)).hasMessage("empty payload");
        assertThatThrownBy(() -> Json.read("[1]", StageProgress.class)).hasMessage("not a JSON object: got array");
        assertThatThrownBy(() -> Json.read(
                        "{\"schema_version\":\"1\",\"variant\":\"custom\",\"stage\":\"ptq\"}", StageProgress.class))
                .hasMessage("missing job_id");
        assertThatThrownBy(() -> Json.read(
                        "{\"schema_version\":\"2\",\"job_id\":\"j\",\"variant\":\"custom\"," + "\"stage\":\"ptq\"}",
                        StageProgress.class))
                .hasMessage("unsupported schema_version '2'; this reader knows '1'");
        assertThatThrownBy(() -> Json.read(
                        "{\"schema_version\":\"1\",\"job_id\":\"../x\",\"variant\":\"custom\"," + "\"stage\":\"ptq\"}",
                        StageProgress.class))
                .hasMessageStartingWith("job_id '../x' must match");
        assertThatThrownBy(() -> Json.read(
                        "{\"schema_version\":\"1\",\"job_id\":\"j\",\"variant\":\"tflite\"," + "\"stage\":\"ptq\"}",
                        StageProgress.class))
                .hasMessage("variant 'tflite' is not one of custom, aimet");
        assertThatThrownBy(() -> Json.read(
                        "{\"schema_version\":\"1\",\"job_id\":\"j\",\"variant\":\"custom\","
                                + "\"stage\":\"ptq\",\"percent\":\"half\"}",
                        StageProgress.class))
                .hasMessageStartingWith("percent: ");
        assertThatThrownBy(() -> Json.read(
                        "{\"schema_version\":\"1\",\"job_id\":\"j\",\"variant\":\"custom\"," + "\"stage\":\"deploy\"}",
                        StageProgress.class))
                .hasMessageStartingWith("stage: ");
    }

    @Test
    void anInvalidConfigInARequestIsAReadError() {
        String json = "{\"schema_version\":\"1\",\"job_id\":\"j\",\"variant\":\"custom\","
                + "\"config\":{\"training\":{\"optimzer\":{}},\"data\":{\"batch_size\":0}}}";
        assertThatThrownBy(() -> Json.read(json.getBytes(StandardCharsets.UTF_8), QuantizationRequested.class))
                .isInstanceOf(EventReadException.class)
                .hasMessageStartingWith("invalid config: training.optimzer: unknown key; allowed: epochs");
        String valid =
                "{\"schema_version\":\"1\",\"job_id\":\"j\",\"variant\":\"aimet\",\"config\":{\"training\":{\"epochs\":0}}}";
        assertThat(Json.read(valid, QuantizationRequested.class)
                        .config()
                        .training()
                        .epochs())
                .isZero();
    }

    @Test
    void unreadableInputBecomesAFailureEvent() {
        EventReadException error = new EventReadException("missing job_id");
        StageFailed failed =
                StageFailed.unreadable(null, "custom", Stage.PTQ, error, Topics.CALIBRATION_DONE, "x".repeat(1000));
        assertThat(failed.jobId()).isEqualTo(StageFailed.UNKNOWN_JOB);
        assertThat(failed.reason()).isEqualTo("unreadable input on shiftq.calibration.done: missing job_id");
        assertThat(failed.payloadExcerpt()).hasSize(203);
        roundTrip(failed);
    }

    @Test
    void typesAndTopicsFollowTheStage() {
        assertThat(Stage.FINAL_PTQ.doneTopic()).isEqualTo("shiftq.final-ptq.done");
        assertThat(EventTypes.typeOf(Stage.FINAL_PTQ)).isEqualTo("io.shiftq.final-ptq.completed.v1");
        StageCompleted qat = new StageCompleted(
                V,
                "j",
                "custom",
                Stage.QAT,
                StageStatus.SKIPPED,
                null,
                null,
                QuantizationConfig.defaults(),
                null,
                null,
                null,
                null,
                null);
        assertThat(EventTypes.typeOf(qat)).isEqualTo("io.shiftq.qat.completed.v1");
        assertThat(Topics.of(qat)).isEqualTo(Topics.QAT_DONE);
        StageProgress progress = StageProgress.of("j", "custom", Stage.QAT, 1, null);
        assertThat(EventTypes.typeOf(progress)).isEqualTo("io.shiftq.stage.progress.v1");
        assertThat(Topics.of(progress)).isEqualTo("shiftq.progress");
        assertThat(EventTypes.sourceOf(Stage.FINAL_PTQ)).isEqualTo("/shiftq/final-ptq");
        assertThat(Topics.ALL).hasSize(10).doesNotHaveDuplicates();
        assertThat(Stage.fromId("FINAL_PTQ")).isEqualTo(Stage.FINAL_PTQ);
    }

    @Test
    void aTimestampMustBeIsoTextNotEmptyNorANumber() {
        String request = Json.write(QuantizationRequested.of("job-8", "custom", QuantizationConfig.defaults()));
        for (String bad : List.of("\"\"", "7", "\"yesterday\"")) {
            String payload = request.replaceFirst("\"requested_at\":\"[^\"]*\"", "\"requested_at\":" + bad);
            assertThatThrownBy(() -> Json.read(payload, QuantizationRequested.class))
                    .isInstanceOf(EventReadException.class)
                    .hasMessageStartingWith("requested_at: expected an ISO-8601 timestamp");
        }
        String offset =
                request.replaceFirst("\"requested_at\":\"[^\"]*\"", "\"requested_at\":\"2026-01-01T13:00:00+01:00\"");
        assertThat(Json.read(offset, QuantizationRequested.class).requestedAt())
                .isEqualTo(Instant.parse("2026-01-01T12:00:00Z"));
    }

    @Test
    void aCancelGoesToTheControlTopicKeyedByJobAndReadsBack() {
        CancelRequested cancel = CancelRequested.of("job-7", "custom", "wrong config");
        assertThat(Topics.of(cancel)).isEqualTo("shiftq.control");
        assertThat(EventTypes.typeOf(cancel)).isEqualTo("io.shiftq.job.cancel-requested.v1");
        assertThat(Json.read(Json.write(cancel), CancelRequested.class)).isEqualTo(cancel);
        assertThat(StageStatus.fromId("cancelled")).isEqualTo(StageStatus.CANCELLED);
        assertThatThrownBy(() -> CancelRequested.of("a/b", "custom", null)).hasMessageContaining("must match");
    }

    @Test
    void requestFactoryRefusesBadIdsAndVariants() {
        assertThatThrownBy(() -> QuantizationRequested.of("a/b", "custom", QuantizationConfig.defaults()))
                .hasMessageContaining("must match");
        assertThatThrownBy(() -> QuantizationRequested.of("a", "onnx", QuantizationConfig.defaults()))
                .hasMessageContaining("is not one of custom, aimet");
        assertThat(JobIds.isValid(JobIds.newId())).isTrue();
        assertThat(JobIds.isValid("..")).isFalse();
    }
}
