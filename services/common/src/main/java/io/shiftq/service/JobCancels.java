package io.shiftq.service;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The jobs cancelled so far, as this instance has read them from {@code shiftq.control}. Knows nothing of Kafka:
 * {@link CancelListener} feeds it, {@link StageRunner} asks it before a job and at every batch.
 */
@ApplicationScoped
public class JobCancels {

    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
    private final CountDownLatch caughtUp = new CountDownLatch(1);

    /** Records a cancel. */
    public void cancel(String jobId) {
        cancelled.add(jobId);
    }

    /** Whether the job was cancelled; a set lookup, cheap enough for every batch. */
    public boolean isCancelled(String jobId) {
        return cancelled.contains(jobId);
    }

    /** Every cancel published before this instance started has been read. */
    void markCaughtUp() {
        caughtUp.countDown();
    }

    /**
     * Waits until every cancel published before this instance started has been read, so a job queued behind on
     * the partition is not started although its cancel came first.
     *
     * @return false when that took longer than {@code timeout}
     */
    public boolean awaitCaughtUp(Duration timeout) {
        try {
            return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
