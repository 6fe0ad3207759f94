package io.shiftq.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.engine.pipeline.PreparedJob;
import io.shiftq.schema.Json;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.EventReadException;
import io.shiftq.schema.event.QuantizationRequested;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageFailed;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failures name what to fix: config fields, unreadable input, or the chain of causes. */
class StageFailuresTest {

    @Test
    void invalidConfigListsEveryProblemAndKeepsTheJobId() {
        String payload = Json.write(QuantizationRequested.of("job-7", "custom", QuantizationConfig.defaults()))
                .replace("\"weight\":{\"bitwidth\":8", "\"weight\":{\"bitwidth\":40");
        EventReadException error = catchRead(payload);

        StageFailed f = StageFailures.of(Stage.CALIBRATION, error, null, "shiftq.requests", payload);
        assertThat(f.jobId()).isEqualTo("job-7");
        assertThat(f.variant()).isEqualTo("custom");
        assertThat(f.reason()).startsWith("invalid config on shiftq.requests: quantization.weight.bitwidth");
        assertThat(f.problems())
                .singleElement()
                .asString()
                .contains("quantization.weight.bitwidth")
                .contains("40");
        assertThat(f.payloadExcerpt()).hasSizeLessThanOrEqualTo(203);
    }

    @Test
    void notJsonUsesTheRecordKey() {
        StageFailed f = StageFailures.of(Stage.PTQ, catchRead("oops"), "job-9", "shiftq.calibration.done", "oops");
        assertThat(f.jobId()).isEqualTo("job-9");
        assertThat(f.reason()).startsWith("unreadable input on shiftq.calibration.done: not JSON");
        assertThat(f.sourceTopic()).isEqualTo("shiftq.calibration.done");
    }

    @Test
    void otherErrorsNameTheStageAndTheCauses() {
        var error =
                new IllegalStateException("evaluation failed", new UncheckedIOException(new IOException("disk full")));
        StageFailed f = StageFailures.of(Stage.QAT, error, "job-3", "shiftq.ptq.done", "{}");
        assertThat(f.reason()).isEqualTo("qat failed: IllegalStateException: evaluation failed");
        assertThat(f.problems()).hasSize(2).last().asString().contains("disk full");
    }

    @Test
    void aModelFileTheEngineCannotReadBecomesAFailureNamingModelPath(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("truncated.onnx");
        Files.write(model, new byte[] {0x08, 0x07, 0x3a, 0x7f, 0x0a}); // a ModelProto cut inside its graph
        QuantizationConfig config = QuantizationConfig.parseYaml("""
                model: {path: %s, num_classes: 10}
                data: {dataset: Synthetic}
                """.formatted(model));
        String payload = Json.write(QuantizationRequested.of("job-11", "custom", config));
        RuntimeException error = null;
        try {
            PreparedJob.load(config);
        } catch (RuntimeException e) {
            error = e;
        }
        assertThat(error).as("the engine refuses the file").isNotNull();

        StageFailed f = StageFailures.of(Stage.CALIBRATION, error, "job-11", "shiftq.requests", payload);

        assertThat(f.jobId()).isEqualTo("job-11");
        assertThat(f.reason())
                .startsWith("calibration failed: ")
                .contains("model.path: ")
                .contains("truncated.onnx is not a readable ONNX model");
    }

    private static EventReadException catchRead(String payload) {
        try {
            Json.read(payload, QuantizationRequested.class);
        } catch (EventReadException e) {
            return e;
        }
        throw new AssertionError("expected the payload to be unreadable: " + payload);
    }
}
