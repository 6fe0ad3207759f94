package io.shiftq.service;

import io.shiftq.messaging.Channels;
import io.shiftq.messaging.EventRecords;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageFailed;
import io.shiftq.schema.event.StageProgress;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.jboss.logging.Logger;

/** Publishes a stage's progress and failure events. */
@ApplicationScoped
public class StageEvents {

    /** How long a failure event may take to reach the broker before the input record is nacked instead. */
    static final Duration SEND_TIMEOUT = Duration.ofSeconds(60);

    private static final Logger LOG = Logger.getLogger(StageEvents.class);

    private final Emitter<String> progress;
    private final Emitter<String> failures;
    private final ShiftqConfig config;
    private final StageMetrics metrics;

    StageEvents(
            @Channel(Channels.PROGRESS) Emitter<String> progress,
            @Channel(Channels.FAILURES) Emitter<String> failures,
            ShiftqConfig config,
            StageMetrics metrics) {
        this.progress = progress;
        this.failures = failures;
        this.config = config;
        this.metrics = metrics;
    }

    /** A throttled progress listener for one job's training. */
    public ProgressReporter reporter(ShiftqEvent job, Stage stage) {
        return new ProgressReporter(
                        job.jobId(),
                        job.variant(),
                        stage,
                        this::progress,
                        config.progress().interval(),
                        System::nanoTime)
                .withStepTimes(nanos -> metrics.step(stage, nanos));
    }

    /** One progress line outside training, e.g. "collecting activation statistics". */
    public void step(ShiftqEvent job, Stage stage, double percent, String message) {
        progress(StageProgress.of(job.jobId(), job.variant(), stage, percent, message));
    }

    /** Sends a progress event without waiting: progress is advisory, so a full buffer drops it. */
    public void progress(StageProgress event) {
        metrics.progress(event.stage(), event.percent());
        try {
            progress.send(EventRecords.of(event, event.stage()));
        } catch (RuntimeException e) {
            LOG.warnf("job %s: progress event dropped: %s", event.jobId(), e.getMessage());
        }
    }

    /** Sends a failure and waits until the broker has it, so the input is committed only after. */
    public void failed(StageFailed event) {
        LOG.warnf("job %s: %s", event.jobId(), event.reason());
        try {
            EventRecords.send(failures, event, event.stage())
                    .toCompletableFuture()
                    .get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("job " + event.jobId() + ": the failure event could not be published", e);
        }
    }
}
