package io.shiftq.cli;

import io.shiftq.schema.event.JobIds;
import java.io.PrintStream;
import java.util.Optional;

/**
 * {@code delete}: asks the reporting service to remove a job's artifacts (every stage attempt, the report) and hide
 * it from the lists ({@code DELETE /jobs/{id}}).
 */
final class Delete {

    private final ReportingClient reporting;
    private final PrintStream out;
    private final PrintStream err;

    Delete(ReportingClient reporting, PrintStream out, PrintStream err) {
        this.reporting = reporting;
        this.out = out;
        this.err = err;
    }

    /** @param force delete a queued or running job too */
    int run(String jobId, boolean force) {
        if (!JobIds.isValid(jobId)) {
            throw new IllegalArgumentException("job id '" + jobId + "' must match " + JobIds.PATTERN);
        }
        Optional<ReportingClient.Answer> sent = reporting.delete("/jobs/" + jobId + (force ? "?force=true" : ""), err);
        if (sent.isEmpty()) {
            return Main.JOB_FAILED;
        }
        ReportingClient.Answer answer = sent.get();
        return switch (answer.status()) {
            case 204 -> {
                out.println("deleted " + jobId);
                yield Main.OK;
            }
            case 404 -> {
                err.println("shiftq: no job '" + jobId + "' is known to the reporting service; nothing to delete");
                yield Main.UNKNOWN_JOB;
            }
            case 409 -> {
                err.println("shiftq: " + answer.json().path("error").asText(answer.body()));
                yield Main.JOB_ACTIVE;
            }
            default -> {
                err.println("shiftq: the reporting service answered " + answer.status() + ": " + answer.body());
                yield Main.JOB_FAILED;
            }
        };
    }
}
