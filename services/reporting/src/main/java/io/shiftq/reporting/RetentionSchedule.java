package io.shiftq.reporting;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Applies the retention policy ({@code shiftq.artifacts.retention.*}) every interval, the first time one interval after start. */
@ApplicationScoped
public class RetentionSchedule {

    private final JobCleanup cleanup;
    private final ReportingConfig.Retention retention;
    private ScheduledExecutorService timer;

    RetentionSchedule(JobCleanup cleanup, ReportingConfig config) {
        this.cleanup = cleanup;
        this.retention = config.retention();
    }

    void start(@Observes StartupEvent ignored) {
        JobCleanup.Policy policy = new JobCleanup.Policy(retention.maxAge(), retention.maxBytes());
        long every = retention.interval().toMillis();
        timer = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "shiftq-retention"));
        // Not at once: the replay must have told finished jobs from running ones first.
        timer.scheduleWithFixedDelay(() -> apply(policy), every, every, TimeUnit.MILLISECONDS);
    }

    private void apply(JobCleanup.Policy policy) {
        try {
            cleanup.enforce(policy);
        } catch (RuntimeException e) {
            // The next round tries again; one unreadable directory must not stop retention for good.
            Log.warnf(e, "retention round failed");
        }
    }

    void stop(@Observes ShutdownEvent ignored) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
