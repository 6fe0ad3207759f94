package io.shiftq.qat;

import static io.shiftq.schema.artifact.ArtifactNames.FOLDED_WEIGHTS;
import static io.shiftq.schema.artifact.ArtifactNames.QAT_THRESHOLDS;
import static io.shiftq.schema.artifact.ArtifactNames.QAT_WEIGHTS;
import static io.shiftq.schema.artifact.ArtifactNames.qatEpoch;

import io.shiftq.engine.pipeline.JobEngine;
import io.shiftq.engine.pipeline.StageResults;
import io.shiftq.engine.train.LearnedThresholds;
import io.shiftq.messaging.Channels;
import io.shiftq.schema.event.ArtifactRef;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** shiftq.ptq.done -> the qat stage: weight-only QAT with progress and a checkpoint per epoch -> shiftq.qat.done. */
@ApplicationScoped
public class QatProcessor {

    /** Incoming channel of {@code shiftq.ptq.done}. */
    public static final String PTQ_DONE = "ptq-done";
    /** Outgoing channel of {@code shiftq.qat.done}. */
    public static final String DONE = "qat-done";

    private final StageRunner stages;
    private final Emitter<String> done;

    QatProcessor(StageRunner stages, @Channel(DONE) Emitter<String> done) {
        this.stages = stages;
        this.done = done;
    }

    /** Runs the qat stage for one job after PTQ. */
    @Incoming(PTQ_DONE)
    @Blocking(value = Channels.WORKER_POOL, ordered = false)
    public void onPtq(Record<String, String> ptqDone) {
        stages.run(Stage.QAT, Topics.PTQ_DONE, ptqDone, StageCompleted.class, this::qat, done);
    }

    StageCompleted qat(StageCompleted ptq) {
        CompletionBuilder completion = CompletionBuilder.after(ptq, Stage.QAT);
        JobEngine job = stages.job(ptq.config());
        JobArtifacts files = stages.artifacts();
        Map<String, ArtifactRef> checkpoints = new LinkedHashMap<>();
        var listener = stages.events()
                .reporter(ptq, Stage.QAT)
                .withCheckpoints((epoch, weights) ->
                        checkpoints.put(qatEpoch(epoch), files.putWeights(ptq.jobId(), qatEpoch(epoch), weights)));
        // PTQ measured these weights under this plan already: QAT's starting point needs no second evaluation.
        OptionalDouble ptqAccuracy =
                ptq.accuracy() == null ? OptionalDouble.empty() : OptionalDouble.of(ptq.accuracy());
        StageResults.Qat qat =
                job.qat(job.prepared().foldedNetwork(), files.weights(ptq, FOLDED_WEIGHTS), listener, ptqAccuracy);
        if (ptq.config().training().learnedThresholds() && !qat.thresholds().isEmpty()) {
            completion
                    .metric(Metrics.LEARNED_THRESHOLDS_MS, qat.learnedThresholdsMs())
                    .metric(Metrics.THRESHOLDS_MOVED, qat.thresholdsMoved())
                    .artifact(
                            QAT_THRESHOLDS,
                            files.putWeights(
                                    ptq.jobId(), QAT_THRESHOLDS, LearnedThresholds.toStateDict(qat.thresholds())));
        }
        return completion
                .skipped(qat.skipped())
                .accuracy(qat.bestAccuracy())
                .epochs(qat.epochs())
                .shiftRecords(qat.records())
                .metric(Metrics.BEST_EPOCH, qat.bestEpoch())
                .artifact(QAT_WEIGHTS, files.putWeights(ptq.jobId(), QAT_WEIGHTS, qat.weights()))
                .artifacts(checkpoints)
                .build();
    }
}
