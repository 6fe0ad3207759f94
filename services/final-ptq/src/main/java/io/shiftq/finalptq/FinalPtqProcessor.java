package io.shiftq.finalptq;

import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.pipeline.JobEngine;
import io.shiftq.engine.pipeline.StageResults;
import io.shiftq.engine.quant.TensorQuant;
import io.shiftq.engine.train.LearnedThresholds;
import io.shiftq.messaging.Channels;
import io.shiftq.schema.artifact.ArtifactNames;
import io.shiftq.schema.event.Metrics;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.Topics;
import io.shiftq.service.CompletionBuilder;
import io.shiftq.service.StageRunner;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** shiftq.qat.done -> the final-ptq stage: input/output shifts and the full shift records -> shiftq.final-ptq.done. */
@ApplicationScoped
public class FinalPtqProcessor {

    /** Incoming channel of {@code shiftq.qat.done}. */
    public static final String QAT_DONE = "qat-done";
    /** Outgoing channel of {@code shiftq.final-ptq.done}. */
    public static final String DONE = "final-ptq-done";

    private final StageRunner stages;
    private final Emitter<String> done;

    FinalPtqProcessor(StageRunner stages, @Channel(DONE) Emitter<String> done) {
        this.stages = stages;
        this.done = done;
    }

    /** Runs the final-ptq stage for one job after QAT; {@code pipeline.final_ptq: false} reports SKIPPED with the weight-only records. */
    @Incoming(QAT_DONE)
    @Blocking(value = Channels.WORKER_POOL, ordered = false)
    public void onQat(Record<String, String> qatDone) {
        stages.run(Stage.FINAL_PTQ, Topics.QAT_DONE, qatDone, StageCompleted.class, this::finalPtq, done);
    }

    StageCompleted finalPtq(StageCompleted qat) {
        CompletionBuilder completion = CompletionBuilder.after(qat, Stage.FINAL_PTQ);
        JobEngine job = stages.job(qat.config());
        StateDict weights = stages.artifacts().weights(qat, ArtifactNames.QAT_WEIGHTS);
        // Learned thresholds come as an artifact of the qat stage; a skipped QAT (epochs 0) has none and calibrates.
        Map<String, TensorQuant> learned = qat.artifacts().containsKey(ArtifactNames.QAT_THRESHOLDS)
                ? LearnedThresholds.fromStateDict(stages.artifacts().weights(qat, ArtifactNames.QAT_THRESHOLDS))
                : Map.of();
        StageResults.FinalPtq result = job.finalPtq(job.prepared().foldedNetwork(), weights, learned);
        completion
                .skipped(result.skipped())
                .accuracy(result.accuracy())
                .shiftRecords(result.records())
                .metric(Metrics.FLOAT32_BYTES, result.size().float32Bytes())
                .metric(Metrics.QUANTIZED_BYTES, result.size().quantizedBytes())
                .metric(Metrics.COMPRESSION, result.size().compression());
        if (!result.skipped()) {
            deploy(qat.jobId(), job, weights, result, completion);
        }
        return completion.build();
    }

    /** Exports the hardware files and checks the integer executor against fake-quant on the test set. */
    private void deploy(
            String jobId,
            JobEngine job,
            StateDict weights,
            StageResults.FinalPtq result,
            CompletionBuilder completion) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("shiftq-deploy-");
            StageResults.Deployed d =
                    job.deploy(job.prepared().foldedNetwork(), weights, result.plan(), result.logits(), dir);
            completion.artifacts(stages.artifacts()
                    .putFiles(jobId, ArtifactNames.DEPLOY, d.files().all()));
            d.check().toMetrics().forEach(completion::metric);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the deployment files", e);
        } finally {
            deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is harmless; the artifacts are already stored
        }
    }
}
