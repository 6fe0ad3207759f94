package io.shiftq.reporting;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.shiftq.messaging.Workers;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Asks Kafka's admin API every {@code shiftq.workers.interval} (default 15 s; 0 turns it off) who is in each worker
 * consumer group and tells the board, so a job waiting on an empty group says so ("no aimet worker is running").
 * Uses the channels' {@code kafka.*} client settings, so TLS and SASL apply.
 */
@ApplicationScoped
public class WorkerPresence {

    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);

    private final JobBoard board;
    private final Map<String, Object> kafka;
    private final Duration interval;
    private ScheduledExecutorService timer;
    private Admin admin;
    private boolean warned;

    WorkerPresence(
            JobBoard board,
            @Identifier("default-kafka-broker") Map<String, Object> kafka,
            @ConfigProperty(name = "shiftq.workers.interval", defaultValue = "PT15S") Duration interval) {
        this.board = board;
        this.kafka = kafka;
        this.interval = interval;
    }

    void start(@Observes StartupEvent ignored) {
        if (interval.isZero()) {
            return;
        }
        Map<String, Object> p = new HashMap<>(kafka);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) ANSWER_WITHIN.toMillis());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ANSWER_WITHIN.toMillis());
        admin = Admin.create(p);
        timer = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "shiftq-worker-presence"));
        timer.scheduleWithFixedDelay(this::ask, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void ask() {
        try {
            board.onWorkers(Workers.members(admin, Workers.allGroups(), ANSWER_WITHIN));
            warned = false;
        } catch (Exception e) {
            // Unknown is not empty: no job claims that nobody serves it while the broker does not answer.
            board.onWorkers(Map.of());
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            } else if (!warned) {
                Log.warnf(
                        "cannot ask Kafka who is in the worker groups (%s); no job shows a notice until it answers", e);
                warned = true;
            }
        }
    }

    void stop(@Observes ShutdownEvent ignored) {
        if (timer != null) {
            timer.shutdownNow();
            admin.close(ANSWER_WITHIN);
        }
    }
}
