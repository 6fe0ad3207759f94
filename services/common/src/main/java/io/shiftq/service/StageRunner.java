package io.shiftq.service;

import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.schema.Json;
import io.shiftq.schema.config.Limits;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.Metrics;
import io.shiftq.schema.event.QuantizationRequested;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
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

    StageRunner(
            QuantizationEngine engine,
            JobArtifacts artifacts,
            StageEvents events,
            ShiftqConfig config,
            StageMetrics metrics) {
        this.metrics = metrics;
        this.engine = engine;
        this.artifacts = artifacts;
        this.events = events;
        this.limits = config.limits().toLimits();
        this.paths = new ConfinedPaths(config.data().roots(), config.models().roots());
    }

    /** The quantization engine the stages call. */
    public QuantizationEngine engine() {
        return engine;
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
     * Runs one stage on one record.
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
        LOG.infof("job %s: %s started", event.jobId(), stage.id());
        long start = System.nanoTime();
        metrics.started(stage);
        String outcome = "failed";
        try {
            // The operator's bounds and roots, before any work: a request outside them fails at once, naming
            // the field.
            paths.check(configOf(event).validated(limits));
            artifacts.takeIoMillis();
            StageCompleted result = work.apply(event);
            // Tenths of a millisecond: finer digits would only be timer noise.
            double ioMillis = Math.round(artifacts.takeIoMillis() * 10) / 10.0;
            StageCompleted completed = result.withMetric(Metrics.ARTIFACT_IO_MS, ioMillis);
            EventRecords.send(done, completed, stage)
                    .toCompletableFuture()
                    .get(StageEvents.SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            outcome = completed.status().id();
            LOG.infof(
                    "job %s: %s %s in %d ms, accuracy %s",
                    event.jobId(), stage.id(), completed.status().id(), completed.millis(), completed.accuracy());
        } catch (Exception e) {
            LOG.errorf(e, "job %s: %s failed", event.jobId(), stage.id());
            events.failed(StageFailures.of(stage, e, event.jobId(), sourceTopic, in.value()));
        } finally {
            metrics.finished(stage, outcome, Duration.ofNanos(System.nanoTime() - start));
        }
    }

    private static QuantizationConfig configOf(ShiftqEvent event) {
        if (event instanceof QuantizationRequested request) {
            return request.config();
        }
        if (event instanceof StageCompleted completed) {
            return completed.config();
        }
        throw new IllegalArgumentException("a stage reads a request or a stage completion, not " + event);
    }
}
