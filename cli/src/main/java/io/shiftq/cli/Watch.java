package io.shiftq.cli;

import io.shiftq.messaging.KafkaClients;
import io.shiftq.messaging.KafkaSettings;
import io.shiftq.messaging.Workers;
import io.shiftq.schema.Json;
import io.shiftq.schema.event.EventReadException;
import io.shiftq.schema.event.QuantizationRequested;
import io.shiftq.schema.event.ReportPublished;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.StageFailed;
import io.shiftq.schema.event.StageProgress;
import io.shiftq.schema.event.Topics;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * {@code watch}: reads the job's events from the start of every topic, one line each, until its report
 * (exit 0) or a failure (exit 1). While the job waits it asks Kafka every 10 s whether anyone is in the consumer group
 * of its next stage, and says so when nobody is ("waiting: no aimet worker is running ...").
 */
final class Watch {

    /** Progress lines are printed when the percentage moves by this much, or the stage or epoch changes. */
    private static final double PROGRESS_STEP = 5.0;

    /** How often {@code watch} asks who is in the consumer group the job waits on. */
    private static final Duration WORKER_CHECK = Duration.ofSeconds(10);

    private final KafkaSettings kafka;
    private final Set<Stage> done = EnumSet.noneOf(Stage.class);
    /** The job's variant once its request or a completion has been read. */
    private String variant;

    private String lastNotice;
    private final PrintStream out;
    private final PrintStream err;
    private Stage lastStage;
    private Integer lastEpoch;
    private double lastPercent = -PROGRESS_STEP;
    /** One live bar per stage on a terminal; null prints lines (not a terminal, or --lines). */
    private final StageBars bars;

    Watch(KafkaSettings kafka, PrintStream out, PrintStream err) {
        this(kafka, out, err, false);
    }

    /** @param live keep one bar per stage, redrawn in place: for a terminal that understands ANSI */
    Watch(KafkaSettings kafka, PrintStream out, PrintStream err, boolean live) {
        this.kafka = kafka;
        this.out = out;
        this.err = err;
        this.bars = live ? new StageBars(out) : null;
    }

    /** @param timeoutSeconds give up after this long; 0 waits for ever */
    int run(String jobId, long timeoutSeconds) {
        List<String> topics =
                new ArrayList<>(List.of(Topics.REQUESTS, Topics.PROGRESS, Topics.FAILURES, Topics.REPORTS));
        for (Stage stage : Stage.PIPELINE) {
            topics.add(stage.doneTopic());
        }
        long deadline = timeoutSeconds <= 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        out.println("watching " + jobId + " on " + kafka.bootstrap());
        try (KafkaConsumer<String, String> consumer = KafkaClients.readerFromStart(kafka, topics);
                Admin admin = KafkaClients.admin(kafka)) {
            long nextCheck = System.nanoTime();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    if (!jobId.equals(record.key())) {
                        continue;
                    }
                    Integer code = handle(record);
                    if (code != null) {
                        return code;
                    }
                }
                if (System.nanoTime() >= nextCheck && variant != null) {
                    notice(admin);
                    nextCheck = System.nanoTime() + WORKER_CHECK.toNanos();
                }
            }
        }
        err.println("shiftq: no report for " + jobId + " within " + timeoutSeconds + " s");
        return Main.JOB_FAILED;
    }

    /** Says once, and again when it changes, that nobody is in the consumer group the job waits on. */
    private void notice(Admin admin) {
        Stage next = Workers.next(done);
        String now = null;
        if (next != null) {
            String group = Workers.group(variant, next);
            try {
                if (Workers.members(admin, List.of(group), WORKER_CHECK).get(group) == 0) {
                    now = Workers.nobody(variant, next);
                }
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                // Unknown is not empty: say nothing rather than something false.
                return;
            }
        }
        if (now != null && !now.equals(lastNotice)) {
            out.println("waiting: " + now);
        }
        lastNotice = now;
    }

    private Integer handle(ConsumerRecord<String, String> record) {
        try {
            switch (record.topic()) {
                case Topics.REQUESTS ->
                    variant = Json.read(record.value(), QuantizationRequested.class)
                            .variant();
                case Topics.PROGRESS -> progress(Json.read(record.value(), StageProgress.class));
                case Topics.FAILURES -> {
                    StageFailed failed = Json.read(record.value(), StageFailed.class);
                    if (bars != null) {
                        bars.done(
                                failed.stage(),
                                String.format("%-11s FAILED", failed.stage().id()));
                    }
                    out.println(EventLines.failed(failed));
                    return Main.JOB_FAILED;
                }
                case Topics.REPORTS -> {
                    ReportPublished report = Json.read(record.value(), ReportPublished.class);
                    if (bars != null) {
                        bars.reported();
                    }
                    out.println(EventLines.summary(
                            report, Path.of(URI.create(report.report().uri())).toString()));
                    return Main.OK;
                }
                default -> {
                    StageCompleted done = Json.read(record.value(), StageCompleted.class);
                    this.done.add(done.stage());
                    variant = done.variant();
                    if (bars != null) {
                        bars.done(done.stage(), EventLines.completed(done));
                    } else {
                        out.println(EventLines.completed(done));
                    }
                }
            }
        } catch (EventReadException e) {
            err.println("shiftq: skipped an unreadable event on " + record.topic() + ": " + e.getMessage());
        }
        return null;
    }

    private void progress(StageProgress p) {
        if (bars != null) {
            bars.progress(p.stage(), EventLines.progress(p));
            return;
        }
        boolean moved = p.stage() != lastStage
                || !Objects.equals(p.epoch(), lastEpoch)
                || p.percent() - lastPercent >= PROGRESS_STEP
                || p.percent() >= 100;
        if (moved) {
            out.println(EventLines.progress(p));
            lastStage = p.stage();
            lastEpoch = p.epoch();
            lastPercent = p.percent();
        }
    }
}
