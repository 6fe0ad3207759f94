package io.shiftq.reporting;

import io.quarkus.logging.Log;
import io.shiftq.schema.Json;
import io.shiftq.schema.artifact.ArtifactStore;
import io.shiftq.schema.event.JobIds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Removes jobs' artifacts (every stage attempt, the report) and hides the jobs from every list: one job on request,
 * and finished jobs past the retention policy. A deleted job keeps only a marker ({@value #MARKER}) in its directory,
 * so a restarted service (which reads the topics again) and every replica hide it too. Knows nothing of Kafka or HTTP.
 */
public final class JobCleanup {

    /** How a delete request ended. */
    public enum Outcome {
        /** The job's files are gone and it is hidden. */
        DELETED,
        /** No event and no file of the job is known (or it was deleted before). */
        UNKNOWN,
        /** The job is queued or running; cancel it first (or force). */
        ACTIVE
    }

    /**
     * What the store may keep.
     *
     * @param maxAge finished jobs whose newest file is older than this go; zero keeps them for ever
     * @param maxBytes when all jobs together hold more, the oldest finished jobs go until they do not; 0 = no bound
     */
    public record Policy(Duration maxAge, long maxBytes) {

        /** Checks the bounds are not negative. */
        public Policy {
            if (maxAge.isNegative() || maxBytes < 0) {
                throw new IllegalArgumentException(
                        "shiftq.artifacts.retention: max-age and max-bytes must not be negative, got " + maxAge + ", "
                                + maxBytes);
            }
        }
    }

    /** The file a deleted job's directory keeps, so that a replay hides the job again. */
    public static final String MARKER = "deleted.json";

    /**
     * How long a marker outlives the age bound: Kafka's default {@code segment.ms}, because a topic drops a segment
     * only once its newest event is past {@code retention.ms}, so events can outlive that by a segment's span.
     */
    public static final Duration MARKER_MARGIN = Duration.ofDays(7);

    private final JobBoard board;
    private final ArtifactStore store;
    private final Clock clock;

    /** Cleans the given store's jobs, hiding them on the given board. */
    public JobCleanup(JobBoard board, ArtifactStore store, Clock clock) {
        this.board = board;
        this.store = store;
        this.clock = clock;
    }

    /** Hides every job deleted earlier (a marker in its directory); called at start-up, before the replay. */
    public void restore() {
        store.jobIds().stream().filter(this::marked).forEach(board::forget);
    }

    /**
     * Deletes one job's artifacts and hides it.
     *
     * @param force delete even a queued or running job (one whose stages will never run, say)
     */
    public synchronized Outcome delete(String jobId, boolean force) {
        if (!JobIds.isValid(jobId) || board.isDeleted(jobId)) {
            return Outcome.UNKNOWN;
        }
        Optional<JobView> job = board.job(jobId);
        if (job.isEmpty() && !Files.isDirectory(store.root().resolve(jobId))) {
            return Outcome.UNKNOWN;
        }
        if (job.isPresent() && active(job.get()) && !force) {
            return Outcome.ACTIVE;
        }
        remove(jobId, "deleted on request");
        return Outcome.DELETED;
    }

    /**
     * Applies the policy: first every finished job older than the age bound, then the oldest finished jobs while the
     * store holds more than the byte bound. Queued and running jobs are never touched; a directory no event names
     * (its events are past the topics' retention) goes by age only, since a replay may not have reached it yet.
     *
     * @return the ids deleted, oldest first
     */
    public synchronized List<String> enforce(Policy policy) {
        Instant now = clock.instant();
        List<ArtifactStore.Usage> eligible = new ArrayList<>();
        long total = 0;
        for (String id : store.jobIds()) {
            if (marked(id)) {
                dropOldMarker(policy, id, now);
                continue;
            }
            ArtifactStore.Usage usage = store.usage(id);
            total += usage.bytes();
            Optional<JobView> job = board.job(id);
            if (job.isEmpty() || !active(job.get())) {
                eligible.add(usage);
            }
        }
        eligible.sort(Comparator.comparing(ArtifactStore.Usage::newest));
        List<String> removed = new ArrayList<>();
        for (ArtifactStore.Usage usage : eligible) {
            boolean old = !policy.maxAge().isZero() && usage.newest().isBefore(now.minus(policy.maxAge()));
            boolean over = policy.maxBytes() > 0
                    && total > policy.maxBytes()
                    && board.job(usage.jobId()).isPresent();
            if (old || over) {
                remove(
                        usage.jobId(),
                        old ? "older than " + policy.maxAge() : "store above " + policy.maxBytes() + " bytes");
                total -= usage.bytes();
                removed.add(usage.jobId());
            }
        }
        return removed;
    }

    /** Removes a deleted job's marker once the topics can no longer hold its events: the job is gone for good. */
    private void dropOldMarker(Policy policy, String jobId, Instant now) {
        Path marker = store.root().resolve(jobId).resolve(MARKER);
        try {
            Instant written = Files.getLastModifiedTime(marker).toInstant();
            if (!policy.maxAge().isZero()
                    && written.isBefore(now.minus(policy.maxAge().plus(MARKER_MARGIN)))) {
                store.delete(jobId, "");
            }
        } catch (IOException e) {
            Log.warnf("the deletion marker %s cannot be read: %s", marker, e);
        }
    }

    private void remove(String jobId, String reason) {
        long freed = store.delete(jobId, "");
        Map<String, Object> marker = new LinkedHashMap<>();
        marker.put("job_id", jobId);
        marker.put("deleted_at", clock.instant().toString());
        marker.put("reason", reason);
        marker.put("bytes_freed", freed);
        store.put(jobId, MARKER, Json.writePretty(marker).getBytes(StandardCharsets.UTF_8));
        board.forget(jobId);
        Log.infof("job %s: %s, %d bytes of artifacts removed", jobId, reason, freed);
    }

    private boolean marked(String jobId) {
        return Files.isRegularFile(store.root().resolve(jobId).resolve(MARKER));
    }

    private static boolean active(JobView job) {
        return JobState.ACTIVE.contains(job.state());
    }
}
