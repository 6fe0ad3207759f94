package io.shiftq.reporting;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.shiftq.messaging.Channels;
import io.shiftq.schema.Json;
import io.shiftq.schema.event.EventReadException;
import io.shiftq.schema.event.QuantizationRequested;
import io.shiftq.schema.event.ReportPublished;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.StageFailed;
import io.shiftq.schema.event.StageProgress;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.Consumer;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Feeds every shiftq topic into the {@link JobBoard}; a completed final stage triggers the report. An event that
 * cannot be read is logged and counted ({@code shiftq_reporting_unreadable_total}), and the next one is read.
 */
@ApplicationScoped
public class EventListeners {

    private final JobBoard board;
    private final ReportPublisher publisher;
    private final Counter unreadable;

    EventListeners(JobBoard board, ReportPublisher publisher, MeterRegistry registry) {
        this.board = board;
        this.publisher = publisher;
        this.unreadable = Counter.builder("shiftq.reporting.unreadable")
                .description("events the reporting service could not read")
                .register(registry);
    }

    /** shiftq.requests */
    @Incoming(Channels.REQUESTS)
    public void request(String payload) {
        read(payload, QuantizationRequested.class, Channels.REQUESTS, board::onRequest);
    }

    /** shiftq.{calibration,ptq,qat,final-ptq}.done; on a worker thread, in order, because a report writes a file and waits for Kafka. */
    @Incoming(Channels.STAGE_DONE)
    @Blocking
    public void stageDone(String payload) {
        read(
                payload,
                StageCompleted.class,
                Channels.STAGE_DONE,
                done -> board.onStageCompleted(done).ifPresent(publisher::publish));
    }

    /** shiftq.progress */
    @Incoming(Channels.PROGRESS)
    public void progress(String payload) {
        read(payload, StageProgress.class, Channels.PROGRESS, board::onProgress);
    }

    /** shiftq.failures */
    @Incoming(Channels.FAILURES)
    public void failure(String payload) {
        read(payload, StageFailed.class, Channels.FAILURES, board::onFailure);
    }

    /** shiftq.reports, read back so that a restarted service knows which jobs are reported. */
    @Incoming(Channels.REPORTS_IN)
    public void report(String payload) {
        read(payload, ReportPublished.class, Channels.REPORTS_IN, board::onReport);
    }

    private <T> void read(String payload, Class<T> type, String channel, Consumer<T> action) {
        T event;
        try {
            event = Json.read(payload, type);
        } catch (EventReadException e) {
            unreadable.increment();
            Log.warnf(
                    "skipped an unreadable %s on channel %s: %s; payload starts %s",
                    type.getSimpleName(), channel, e.getMessage(), Json.excerpt(payload));
            return;
        }
        action.accept(event);
    }
}
