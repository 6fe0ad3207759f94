package io.shiftq.ptq;

import static io.shiftq.schema.artifact.ArtifactNames.FOLDED_WEIGHTS;
import static io.shiftq.schema.artifact.ArtifactNames.FP32_WEIGHTS;

import io.shiftq.engine.pipeline.StageResults;
import io.shiftq.messaging.Channels;
import io.shiftq.schema.event.Metrics;
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

/** shiftq.calibration.done -> the ptq stage: power-of-two weights and biases -> shiftq.ptq.done. */
@ApplicationScoped
public class PtqProcessor {

    /** Incoming channel of {@code shiftq.calibration.done}. */
    public static final String CALIBRATED = "calibration-done";
    /** Outgoing channel of {@code shiftq.ptq.done}. */
    public static final String DONE = "ptq-done";

    private final StageRunner stages;
    private final Emitter<String> done;

    PtqProcessor(StageRunner stages, @Channel(DONE) Emitter<String> done) {
        this.stages = stages;
        this.done = done;
    }

    /** Runs the ptq stage for one calibrated job. */
    @Incoming(CALIBRATED)
    @Blocking(value = Channels.WORKER_POOL, ordered = false)
    public void onCalibrated(Record<String, String> calibrated) {
        stages.run(Stage.PTQ, Topics.CALIBRATION_DONE, calibrated, StageCompleted.class, this::ptq, done);
    }

    StageCompleted ptq(StageCompleted calibrated) {
        CompletionBuilder completion = CompletionBuilder.after(calibrated, Stage.PTQ);
        JobArtifacts files = stages.artifacts();
        // Progress comes only from learned rounding, the one part of this stage that loops for long.
        StageResults.Ptq ptq = stages.job(calibrated.config())
                .ptq(files.weights(calibrated, FP32_WEIGHTS), stages.events().reporter(calibrated, Stage.PTQ));
        if (calibrated.config().ptq().learnedRounding()) {
            completion.metric(Metrics.LEARNED_ROUNDING_MS, ptq.learnedRoundingMs());
        }
        return completion
                .accuracy(ptq.accuracy())
                .shiftRecords(ptq.records())
                .artifact(FOLDED_WEIGHTS, files.putWeights(calibrated.jobId(), FOLDED_WEIGHTS, ptq.weights()))
                .build();
    }
}
