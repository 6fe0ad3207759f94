package io.shiftq.service.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.shiftq.engine.pipeline.PreparedJob;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.engine.pipeline.StageResults;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.Json;
import io.shiftq.schema.artifact.ArtifactNames;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.QuantizationRequested;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.StageFailed;
import io.shiftq.schema.event.StageProgress;
import io.shiftq.service.CompletionBuilder;
import io.shiftq.service.JobArtifacts;
import io.smallrye.reactive.messaging.kafka.Record;
import io.smallrye.reactive.messaging.memory.InMemorySink;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Small jobs for stage tests: LeNet5 on the synthetic data set, cut to a few batches, and the upstream
 * events a stage consumes, made by calling the engine directly.
 */
public final class StageFixtures {

    /** LeNet5 on 512 synthetic training and 256 test images, one epoch wherever training happens. */
    public static final String TINY = """
            model: {name: LeNet5}
            data: {dataset: Synthetic, batch_size: 64, train_limit: 512, test_limit: 256}
            baseline: {epochs: 1, learning_rate: 0.003}
            training: {epochs: 1, learning_rate: 0.0005}
            ptq: {calibration_batches: 2}
            """;

    private StageFixtures() {}

    /** A fresh job id. */
    public static String jobId(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The tiny config with YAML overrides merged in key by key, e.g. {@code "training: {epochs: 0}"}. */
    public static QuantizationConfig config(String overrides) {
        try {
            JsonNode tiny = Json.yamlMapper().readTree(TINY);
            JsonNode merged = overrides.isBlank()
                    ? tiny
                    : Json.yamlMapper().readerForUpdating(tiny).readValue(overrides);
            return QuantizationConfig.fromJson(merged);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("bad YAML in a test: " + overrides, e);
        }
    }

    /** A request record as a client would send it. */
    public static Record<String, String> request(String jobId, String variant, QuantizationConfig config) {
        return Record.of(jobId, Json.write(QuantizationRequested.of(jobId, variant, config)));
    }

    /** Any event as an input record. */
    public static Record<String, String> record(ShiftqEvent event) {
        return Record.of(event.jobId(), Json.write(event));
    }

    /** The calibration event of a job, its FP32 weights trained (or not) as the config says. */
    public static StageCompleted calibrated(
            QuantizationEngine engine, JobArtifacts artifacts, String jobId, QuantizationConfig config) {
        PreparedJob w = PreparedJob.load(config);
        StageResults.Baseline fp32 = engine.job(w).baseline(TrainingListener.NONE);
        return CompletionBuilder.start(jobId, ShiftqEvent.CUSTOM, config, Stage.CALIBRATION)
                .accuracy(fp32.accuracy())
                .artifact(
                        ArtifactNames.FP32_WEIGHTS,
                        artifacts.putWeights(jobId, ArtifactNames.FP32_WEIGHTS, fp32.weights()))
                .build();
    }

    /** The PTQ event of a job, after {@link #calibrated}. */
    public static StageCompleted ptqDone(QuantizationEngine engine, JobArtifacts artifacts, StageCompleted calibrated) {
        StageResults.Ptq ptq = engine.job(PreparedJob.load(calibrated.config()))
                .ptq(artifacts.weights(calibrated, ArtifactNames.FP32_WEIGHTS));
        return CompletionBuilder.after(calibrated, Stage.PTQ)
                .accuracy(ptq.accuracy())
                .shiftRecords(ptq.records())
                .artifact(
                        ArtifactNames.FOLDED_WEIGHTS,
                        artifacts.putWeights(calibrated.jobId(), ArtifactNames.FOLDED_WEIGHTS, ptq.weights()))
                .build();
    }

    /** The QAT event of a job with QAT skipped: its weights are the folded PTQ weights. */
    public static StageCompleted qatSkipped(QuantizationEngine engine, JobArtifacts artifacts, StageCompleted ptqDone) {
        return CompletionBuilder.after(ptqDone, Stage.QAT)
                .skipped(true)
                .accuracy(ptqDone.accuracy())
                .shiftRecords(ptqDone.shiftRecords())
                .artifact(ArtifactNames.QAT_WEIGHTS, ptqDone.artifacts().get(ArtifactNames.FOLDED_WEIGHTS))
                .build();
    }

    /** The completions of one job a sink received, read back. */
    public static List<StageCompleted> completed(InMemorySink<String> sink, String jobId) {
        return read(sink, StageCompleted.class, jobId);
    }

    /** The failures of one job a sink received. */
    public static List<StageFailed> failed(InMemorySink<String> sink, String jobId) {
        return read(sink, StageFailed.class, jobId);
    }

    /** The progress events of one job a sink received. */
    public static List<StageProgress> progress(InMemorySink<String> sink, String jobId) {
        return read(sink, StageProgress.class, jobId);
    }

    private static <T extends ShiftqEvent> List<T> read(InMemorySink<String> sink, Class<T> type, String jobId) {
        return sink.received().stream()
                .map(Message::getPayload)
                .map(p -> Json.read(p, type))
                .filter(e -> e.jobId().equals(jobId))
                .toList();
    }
}
