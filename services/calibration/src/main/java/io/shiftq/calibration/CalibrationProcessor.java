package io.shiftq.calibration;

import static io.shiftq.schema.artifact.ArtifactNames.ACTIVATION_STATS;
import static io.shiftq.schema.artifact.ArtifactNames.FP32_WEIGHTS;

import io.shiftq.engine.pipeline.JobEngine;
import io.shiftq.engine.pipeline.StageResults;
import io.shiftq.engine.quant.ActivationSummary;
import io.shiftq.messaging.Channels;
import io.shiftq.schema.event.Metrics;
import io.shiftq.schema.event.QuantizationRequested;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.Topics;
import io.shiftq.service.CompletionBuilder;
import io.shiftq.service.JobArtifacts;
import io.shiftq.service.StageRunner;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** shiftq.requests (variant custom) -> FP32 baseline and activation statistics -> shiftq.calibration.done. */
@ApplicationScoped
public class CalibrationProcessor {

    /** Incoming channel of {@code shiftq.requests}. */
    public static final String REQUESTS = "requests";
    /** Outgoing channel of {@code shiftq.calibration.done}. */
    public static final String DONE = "calibration-done";

    private final StageRunner stages;
    private final Emitter<String> done;

    CalibrationProcessor(StageRunner stages, @Channel(DONE) Emitter<String> done) {
        this.stages = stages;
        this.done = done;
    }

    /** Runs calibration for one request record. */
    @Incoming(REQUESTS)
    @Blocking(value = Channels.WORKER_POOL, ordered = false)
    public void onRequest(Record<String, String> request) {
        stages.run(Stage.CALIBRATION, Topics.REQUESTS, request, QuantizationRequested.class, this::calibrate, done);
    }

    StageCompleted calibrate(QuantizationRequested request) {
        CompletionBuilder completion =
                CompletionBuilder.start(request.jobId(), request.variant(), request.config(), Stage.CALIBRATION);
        JobEngine job = stages.job(request.config());
        StageResults.Baseline fp32 = job.baseline(stages.events().reporter(request, Stage.CALIBRATION));
        stages.events().step(request, Stage.CALIBRATION, 90, "collecting activation statistics");
        var stats = ActivationSummary.of(job.activationStats(fp32.weights()));
        JobArtifacts files = stages.artifacts();
        return completion
                .accuracy(fp32.accuracy())
                .epochs(fp32.epochs())
                .metric(Metrics.FP32_ACCURACY, fp32.accuracy())
                .artifact(FP32_WEIGHTS, files.putWeights(request.jobId(), FP32_WEIGHTS, fp32.weights()))
                .artifact(ACTIVATION_STATS, files.putJson(request.jobId(), ACTIVATION_STATS, stats))
                .build();
    }
}
