package io.shiftq.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.shiftq.schema.event.Stage;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The jobs a stage service runs, as Prometheus metrics at {@code /q/metrics} for operators and autoscalers:
 * <ul>
 *   <li>{@code shiftq_stage_jobs_total{stage, outcome}}: jobs ended, outcome {@code completed}, {@code skipped}
 *       or {@code failed};
 *   <li>{@code shiftq_stage_duration_seconds{stage, outcome}}: wall time per job, a histogram;
 *   <li>{@code shiftq_training_step_seconds{stage}}: time per training step (batch), a histogram;
 *   <li>{@code shiftq_stage_active_jobs{stage}} and {@code shiftq_stage_progress_percent{stage}}: the job running
 *       now (0 or 1, one job at a time) and how far it is.
 * </ul>
 */
@ApplicationScoped
public class StageMetrics {

    private final MeterRegistry registry;
    private final Map<Stage, AtomicLong> active = new ConcurrentHashMap<>();
    private final Map<Stage, AtomicLong> progressPermille = new ConcurrentHashMap<>();
    // Built once per stage: step() runs on every training batch.
    private final Map<Stage, Timer> stepTimers = new ConcurrentHashMap<>();

    StageMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A job of this stage started. */
    public void started(Stage stage) {
        active(stage).incrementAndGet();
        progress(stage, 0);
    }

    /** A job of this stage ended after {@code took}, with outcome completed, skipped or failed. */
    public void finished(Stage stage, String outcome, Duration took) {
        active(stage).decrementAndGet();
        Counter.builder("shiftq.stage.jobs")
                .description("Jobs a stage ended, by outcome")
                .tags("stage", stage.id(), "outcome", outcome)
                .register(registry)
                .increment();
        Timer.builder("shiftq.stage.duration")
                .description("Wall time of one job in a stage")
                .tags("stage", stage.id(), "outcome", outcome)
                .publishPercentileHistogram()
                .register(registry)
                .record(took);
    }

    /** The running job's progress, percent. */
    public void progress(Stage stage, double percent) {
        gauge(progressPermille, stage, "shiftq.stage.progress.percent", 10.0, "Progress of the running job")
                .set(Math.round(percent * 10));
    }

    /** One training step (batch) took this long. */
    public void step(Stage stage, long nanos) {
        stepTimers
                .computeIfAbsent(
                        stage,
                        s -> Timer.builder("shiftq.training.step")
                                .description("Time of one training step (forward, backward, update)")
                                .tags("stage", s.id())
                                .publishPercentileHistogram()
                                .register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    private AtomicLong active(Stage stage) {
        return gauge(active, stage, "shiftq.stage.active.jobs", 1.0, "Jobs this instance is running");
    }

    private AtomicLong gauge(Map<Stage, AtomicLong> values, Stage stage, String name, double scale, String help) {
        return values.computeIfAbsent(stage, s -> {
            AtomicLong value = new AtomicLong();
            registry.gauge(name, Tags.of("stage", s.id()), value, v -> v.get() / scale);
            return value;
        });
    }
}
