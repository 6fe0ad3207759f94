package io.shiftq.reporting;

import io.shiftq.messaging.Workers;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.ArtifactRef;
import io.shiftq.schema.event.QuantizationRequested;
import io.shiftq.schema.event.ReportPublished;
import io.shiftq.schema.event.ReportSummary;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.StageFailed;
import io.shiftq.schema.event.StageProgress;
import io.shiftq.schema.event.StageStatus;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Every job's state, built from its events in whatever order they arrive (a replay reads the topics side by
 * side, so a stage's completion can come before the request). Knows nothing of Kafka; thread-safe.
 */
public final class JobBoard {

    /** What a report is assembled from: the request (null when not seen) and each stage's completion. */
    public record ReportInput(
            String jobId, String variant, QuantizationRequested request, Map<Stage, StageCompleted> stages) {}

    /** Progress events kept per job for the page's per-batch chart; the oldest go first beyond this. */
    public static final int PROGRESS_HISTORY = 10_000;

    private final Map<String, Job> jobs = new LinkedHashMap<>();
    /** Deleted jobs: their events, read again at a replay or still arriving, change nothing and reach no list. */
    private final Set<String> deleted = new HashSet<>();

    private final List<Consumer<JobView>> listeners = new CopyOnWriteArrayList<>();
    /** Members per worker consumer group, as last asked of Kafka; empty while unknown (then no job has a notice). */
    private Map<String, Integer> workers = Map.of();

    /**
     * Calls {@code listener} with the job's new snapshot after every event that changes a job, under the board's
     * lock (so snapshots arrive in order): it must only hand the snapshot on, never block.
     *
     * @return what stops the calls
     */
    public Runnable subscribe(Consumer<JobView> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Records a request. */
    public synchronized void onRequest(QuantizationRequested request) {
        Job job = job(request);
        job.request = request;
        changed(job);
    }

    /**
     * Records a stage's completion.
     *
     * @return what the report needs, once every stage is in and no report exists or is being made; the
     *     caller then owns making it and calls {@link #onReport} or {@link #reportAbandoned}
     */
    public synchronized Optional<ReportInput> onStageCompleted(StageCompleted completed) {
        Job job = job(completed);
        job.stages.put(completed.stage(), completed);
        changed(job);
        if (deleted.contains(job.jobId)
                || job.report != null
                || job.reporting
                || !job.stages.keySet().containsAll(Stage.PIPELINE)) {
            return Optional.empty();
        }
        job.reporting = true;
        return Optional.of(new ReportInput(job.jobId, job.variant, job.request, new EnumMap<>(job.stages)));
    }

    /** Records progress; only the latest is kept. */
    public synchronized void onProgress(StageProgress progress) {
        Job job = job(progress);
        job.progress = progress;
        if (job.history.size() == PROGRESS_HISTORY) {
            job.history.remove(0);
        }
        job.history.add(progress);
        changed(job);
    }

    /** Records a failure; the job is FAILED until a report arrives. */
    public synchronized void onFailure(StageFailed failure) {
        Job job = job(failure);
        job.failures.add(failure);
        changed(job);
    }

    /** Records a published report, ours or one read back from the topic; a second one for a job is ignored. */
    public synchronized boolean onReport(ReportPublished published) {
        Job job = job(published);
        job.reporting = false;
        if (job.report != null) {
            return false;
        }
        job.report = published.report();
        job.summary = published.summary();
        changed(job);
        return true;
    }

    /** Lets a later completion event try the report again after making it failed. */
    public synchronized void reportAbandoned(String jobId) {
        Job job = jobs.get(jobId);
        if (job != null) {
            job.reporting = false;
        }
    }

    /**
     * Forgets a deleted job: it leaves every list, and its events (a replay reads them again) are ignored from now on.
     */
    public synchronized void forget(String jobId) {
        jobs.remove(jobId);
        deleted.add(jobId);
    }

    /** Whether the job was deleted. */
    public synchronized boolean isDeleted(String jobId) {
        return deleted.contains(jobId);
    }

    /**
     * Records who is in each worker consumer group now ({@link io.shiftq.messaging.Workers#members}); an empty map
     * means unknown. Queued and running jobs are handed to the listeners again when it changes, so the page's notice
     * comes and goes with the workers.
     */
    public synchronized void onWorkers(Map<String, Integer> members) {
        Map<String, Integer> before = workers;
        workers = Map.copyOf(members);
        if (!before.equals(workers)) {
            jobs.values().stream().filter(Job::active).forEach(this::changed);
        }
    }

    /** Every job, oldest first. */
    public synchronized List<JobView> jobs() {
        return jobs.values().stream().map(j -> j.view(workers)).toList();
    }

    /** One job, if any event of it has been seen. */
    public synchronized Optional<JobView> job(String jobId) {
        return Optional.ofNullable(jobs.get(jobId)).map(j -> j.view(workers));
    }

    /** The job's progress events in arrival order (at most {@link #PROGRESS_HISTORY}), if the job is known. */
    public synchronized Optional<List<StageProgress>> progressHistory(String jobId) {
        return Optional.ofNullable(jobs.get(jobId)).map(job -> List.copyOf(job.history));
    }

    private void changed(Job job) {
        if (!listeners.isEmpty() && !deleted.contains(job.jobId)) {
            JobView view = job.view(workers);
            listeners.forEach(l -> l.accept(view));
        }
    }

    /** The event's job; for a deleted job a detached one that no list holds. */
    private Job job(ShiftqEvent event) {
        Job job = deleted.contains(event.jobId())
                ? new Job(event.jobId())
                : jobs.computeIfAbsent(event.jobId(), Job::new);
        if (job.variant == null) {
            job.variant = event.variant();
        }
        return job;
    }

    private static final class Job {
        final String jobId;
        String variant;
        QuantizationRequested request;
        final Map<Stage, StageCompleted> stages = new EnumMap<>(Stage.class);
        StageProgress progress;
        final List<StageProgress> history = new ArrayList<>();
        final List<StageFailed> failures = new ArrayList<>();
        ArtifactRef report;
        ReportSummary summary;
        boolean reporting;

        Job(String jobId) {
            this.jobId = jobId;
        }

        JobState state() {
            if (stages.values().stream().anyMatch(c -> c.status() == StageStatus.CANCELLED)) {
                return JobState.CANCELLED;
            } else if (report != null) {
                return JobState.REPORTED;
            } else if (!failures.isEmpty()) {
                return JobState.FAILED;
            } else if (!stages.isEmpty() || progress != null) {
                return JobState.RUNNING;
            }
            return JobState.REQUESTED;
        }

        /** The job's config: the request's, else the one a completion carries forward, else null. */
        QuantizationConfig config() {
            if (request != null) {
                return request.config();
            }
            return stages.values().stream()
                    .map(StageCompleted::config)
                    .filter(c -> c != null)
                    .findFirst()
                    .orElse(null);
        }

        boolean active() {
            return JobState.ACTIVE.contains(state());
        }

        /** Why the job does not move: nobody is in the consumer group of its variant's next stage. */
        String notice(Map<String, Integer> workers) {
            Stage next = Workers.next(stages.keySet());
            if (!active() || next == null) {
                return null;
            }
            String v = variant == null ? ShiftqEvent.CUSTOM : variant;
            Integer members = workers.get(Workers.group(v, next));
            return members != null && members == 0 ? Workers.nobody(v, next) : null;
        }

        JobView view(Map<String, Integer> workers) {
            List<StageView> done = stages.values().stream()
                    .map(c -> new StageView(
                            c.stage(), c.status(), c.accuracy(), c.startedAt(), c.finishedAt(), c.millis()))
                    .toList();
            JobState state = state();
            String reason =
                    state == JobState.FAILED ? failures.get(failures.size() - 1).reason() : null;
            StageCompleted qat = stages.get(Stage.QAT);
            return new JobView(
                    jobId,
                    variant,
                    state,
                    request == null ? null : request.requestedAt(),
                    JobSetup.of(config()),
                    done,
                    qat == null ? List.of() : qat.epochs(),
                    progress,
                    reason,
                    failures,
                    report,
                    summary,
                    notice(workers));
        }
    }
}
