package io.shiftq.reporting;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every job's state, built from its events in whatever order they arrive (a replay reads the topics side by
 * side, so a stage's completion can come before the request). Knows nothing of Kafka; thread-safe.
 */
public final class JobBoard {

    /** What a report is assembled from: the request (null when not seen) and each stage's completion. */
    public record ReportInput(
            String jobId, String variant, QuantizationRequested request, Map<Stage, StageCompleted> stages) {}

    private final Map<String, Job> jobs = new LinkedHashMap<>();

    /** Records a request. */
    public synchronized void onRequest(QuantizationRequested request) {
        job(request).request = request;
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
        if (job.report != null || job.reporting || !job.stages.keySet().containsAll(Stage.PIPELINE)) {
            return Optional.empty();
        }
        job.reporting = true;
        return Optional.of(new ReportInput(job.jobId, job.variant, job.request, new EnumMap<>(job.stages)));
    }

    /** Records progress; only the latest is kept. */
    public synchronized void onProgress(StageProgress progress) {
        job(progress).progress = progress;
    }

    /** Records a failure; the job is FAILED until a report arrives. */
    public synchronized void onFailure(StageFailed failure) {
        job(failure).failures.add(failure);
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
        return true;
    }

    /** Lets a later completion event try the report again after making it failed. */
    public synchronized void reportAbandoned(String jobId) {
        Job job = jobs.get(jobId);
        if (job != null) {
            job.reporting = false;
        }
    }

    /** Every job, oldest first. */
    public synchronized List<JobView> jobs() {
        return jobs.values().stream().map(Job::view).toList();
    }

    /** One job, if any event of it has been seen. */
    public synchronized Optional<JobView> job(String jobId) {
        return Optional.ofNullable(jobs.get(jobId)).map(Job::view);
    }

    private Job job(ShiftqEvent event) {
        Job job = jobs.computeIfAbsent(event.jobId(), Job::new);
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

        JobView view() {
            List<StageView> done = stages.values().stream()
                    .map(c -> new StageView(
                            c.stage(), c.status(), c.accuracy(), c.startedAt(), c.finishedAt(), c.millis()))
                    .toList();
            JobState state = state();
            String reason =
                    state == JobState.FAILED ? failures.get(failures.size() - 1).reason() : null;
            return new JobView(
                    jobId,
                    variant,
                    state,
                    request == null ? null : request.requestedAt(),
                    done,
                    progress,
                    reason,
                    failures,
                    report,
                    summary);
        }
    }
}
