package io.shiftq.service;

import io.shiftq.engine.Cancellation;
import io.shiftq.engine.JobCancelledException;
import io.shiftq.engine.pipeline.JobEngine;
import io.shiftq.engine.pipeline.PreparedJob;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.messaging.EventRecords;
import io.shiftq.schema.Json;
import io.shiftq.schema.config.Limits;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.Metrics;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.StageStatus;
import io.shiftq.schema.event.Topics;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.jboss.logging.Logger;

/**
 * What every stage does with one input record: read it, skip other variants, run the stage, publish the
 * completion (and wait for the broker), or publish a {@code StageFailed} for anything that went wrong.
 * Returns normally in all those cases, so the consumer goes on; it throws only when even the failure
 * could not be published, leaving the record to the channel's failure strategy.
 */
@ApplicationScoped
public class StageRunner {

    private static final Logger LOG = Logger.getLogger(StageRunner.class);

    private final QuantizationEngine engine;
    private final JobArtifacts artifacts;
    private final StageEvents events;
    private final Limits limits;
    private final ConfinedPaths paths;
    private final StageMetrics metrics;
    private final JobCancels cancels;
    private final CompletionRecords completions;
    private final Duration catchUp;

    StageRunner(
            QuantizationEngine engine,
            JobArtifacts artifacts,
            StageEvents events,
            ShiftqConfig config,
            StageMetrics metrics,
            JobCancels cancels,
            CompletionRecords completions) {
        this.metrics = metrics;
        this.cancels = cancels;
        this.completions = completions;
        this.catchUp = config.cancel().catchUp();
        this.engine = engine;
        this.artifacts = artifacts;
        this.events = events;
        this.limits = config.limits().toLimits();
        this.paths = new ConfinedPaths(config.data().roots(), config.models().roots());
    }

    /** The engine for one job, prepared from its config (data read, model built or imported). */
    public JobEngine job(QuantizationConfig config) {
        return engine.job(PreparedJob.load(config));
    }

    /** The job's files in the artifact store. */
    public JobArtifacts artifacts() {
        return artifacts;
    }

    /** Progress and failure events. */
    public StageEvents events() {
        return events;
    }

    /**
     * Runs one stage on one record. A redelivered input whose result is recorded ({@link CompletionRecords}) is not run
     * again; a cancelled job ({@link JobCancels}, or an upstream stage that says {@code cancelled}) is not started,
     * or stops at its next batch, and the stage publishes its completion as {@code cancelled}.
     *
     * @param sourceTopic the input topic, named in failures
     * @param type the input event type
     * @param work the stage itself: input event to completion event
     * @param done the emitter of the stage's done topic
     */
    public <T extends ShiftqEvent> void run(
            Stage stage,
            String sourceTopic,
            Record<String, String> in,
            Class<T> type,
            Function<T, StageCompleted> work,
            Emitter<String> done) {
        T event;
        try {
            event = Json.read(in.value(), type);
        } catch (RuntimeException e) {
            events.failed(StageFailures.of(stage, e, in.key(), sourceTopic, in.value()));
            return;
        }
        if (!ShiftqEvent.CUSTOM.equals(event.variant())) {
            LOG.debugf("job %s: variant %s is another worker's", event.jobId(), event.variant());
            return;
        }
        String inputKey = CompletionRecords.inputKey(event);
        Optional<CompletionRecords.Recorded> recorded = recorded(event, stage, inputKey);
        if (recorded.isPresent()) {
            redelivered(recorded.get(), done);
            return;
        }
        if (cancelled(event)) {
            LOG.infof("job %s: cancelled, %s not started", event.jobId(), stage.id());
            publishOrFail(stage, sourceTopic, in, event, inputKey, cancelledCompletion(event, stage), done);
            return;
        }
        compute(stage, sourceTopic, in, event, inputKey, work, done);
    }

    /** Runs the stage inside the job's cancellation scope and attempt folder, and publishes how it ended. */
    private <T extends ShiftqEvent> void compute(
            Stage stage,
            String sourceTopic,
            Record<String, String> in,
            T event,
            String inputKey,
            Function<T, StageCompleted> work,
            Emitter<String> done) {
        LOG.infof("job %s: %s started", event.jobId(), stage.id());
        long start = System.nanoTime();
        metrics.started(stage);
        String outcome = "failed";
        try {
            // The operator's bounds and roots, before any work: a request outside them fails at once, naming
            // the field.
            paths.check(CompletionRecords.configOf(event).validated(limits));
            artifacts.takeIoMillis();
            artifacts.beginAttempt(stage);
            StageCompleted result =
                    Cancellation.during(() -> cancels.isCancelled(event.jobId()), () -> work.apply(event));
            // Tenths of a millisecond: finer digits would only be timer noise.
            double ioMillis = Math.round(artifacts.takeIoMillis() * 10) / 10.0;
            StageCompleted completed = publish(inputKey, result.withMetric(Metrics.ARTIFACT_IO_MS, ioMillis), done);
            outcome = completed.status().id();
            LOG.infof(
                    "job %s: %s %s in %d ms, accuracy %s",
                    event.jobId(), stage.id(), completed.status().id(), completed.millis(), completed.accuracy());
        } catch (JobCancelledException e) {
            outcome = StageStatus.CANCELLED.id();
            LOG.infof("job %s: cancelled, %s stopped after %d ms", event.jobId(), stage.id(), millisSince(start));
            publishOrFail(stage, sourceTopic, in, event, inputKey, cancelledCompletion(event, stage), done);
        } catch (Exception e) {
            LOG.errorf(e, "job %s: %s failed", event.jobId(), stage.id());
            events.failed(StageFailures.of(stage, e, event.jobId(), sourceTopic, in.value()));
        } finally {
            artifacts.endAttempt();
            metrics.finished(stage, outcome, Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /** The recorded result for this very input, if this stage already finished it; an unreadable record is none. */
    private Optional<CompletionRecords.Recorded> recorded(ShiftqEvent event, Stage stage, String inputKey) {
        try {
            return completions
                    .find(event.jobId(), stage)
                    .filter(r -> r.inputKey().equals(inputKey));
        } catch (RuntimeException e) {
            LOG.warnf(
                    "job %s: the recorded %s result cannot be read (%s); running the stage",
                    event.jobId(), stage.id(), e);
            return Optional.empty();
        }
    }

    /** A redelivery of finished work: publish the recorded completion if the broker never confirmed it, else nothing. */
    private void redelivered(CompletionRecords.Recorded recorded, Emitter<String> done) {
        StageCompleted completed = recorded.completed();
        if (recorded.sent()) {
            LOG.infof(
                    "job %s: %s already done and published; redelivered input acknowledged",
                    completed.jobId(), completed.stage().id());
            return;
        }
        LOG.infof(
                "job %s: %s already done; publishing the recorded completion",
                completed.jobId(), completed.stage().id());
        try {
            send(recorded, done);
        } catch (Exception e) {
            throw new IllegalStateException(
                    "job " + completed.jobId() + ": the recorded completion could not be published", e);
        }
    }

    private boolean cancelled(ShiftqEvent event) {
        if (event instanceof StageCompleted upstream && upstream.status() == StageStatus.CANCELLED) {
            return true;
        }
        // A replica that just started first reads the cancels published before it, so a queued job is not run.
        if (!cancels.awaitCaughtUp(catchUp)) {
            LOG.warnf(
                    "the cancels on %s were not all read within %s; starting job %s anyway",
                    Topics.CONTROL, catchUp, event.jobId());
        }
        return cancels.isCancelled(event.jobId());
    }

    private static StageCompleted cancelledCompletion(ShiftqEvent event, Stage stage) {
        return CompletionBuilder.start(event.jobId(), event.variant(), CompletionRecords.configOf(event), stage)
                .cancelled()
                .build();
    }

    /**
     * Records the completion (the first attempt to record wins) and publishes the recorded one, waiting for the broker.
     *
     * @return the completion published
     */
    private StageCompleted publish(String inputKey, StageCompleted completed, Emitter<String> done) throws Exception {
        CompletionRecords.Recorded recorded = completions.claim(inputKey, completed);
        if (recorded.sent()) {
            return recorded.completed();
        }
        send(recorded, done);
        return recorded.completed();
    }

    private void send(CompletionRecords.Recorded recorded, Emitter<String> done) throws Exception {
        StageCompleted completed = recorded.completed();
        EventRecords.send(done, completed, completed.stage())
                .toCompletableFuture()
                .get(StageEvents.SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        completions.markSent(recorded);
    }

    private void publishOrFail(
            Stage stage,
            String sourceTopic,
            Record<String, String> in,
            ShiftqEvent event,
            String inputKey,
            StageCompleted completed,
            Emitter<String> done) {
        try {
            publish(inputKey, completed, done);
        } catch (Exception e) {
            events.failed(StageFailures.of(stage, e, event.jobId(), sourceTopic, in.value()));
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
