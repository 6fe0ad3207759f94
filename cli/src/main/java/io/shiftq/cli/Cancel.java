package io.shiftq.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.shiftq.messaging.KafkaClients;
import io.shiftq.messaging.KafkaSettings;
import io.shiftq.schema.event.CancelRequested;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/**
 * {@code cancel}: publishes a CancelRequested to shiftq.control; every stage instance stops the job at its next batch
 * (or never starts it) and the report says cancelled. {@code watch} shows the rest. The reporting service is asked
 * first, so a job it has never seen ({@link Main#UNKNOWN_JOB}) or one that has ended ({@link Main#JOB_ENDED}) gets no
 * cancel; {@code --force} publishes without asking.
 */
final class Cancel {

    /** The states in which a job has nothing left to cancel. */
    static final List<String> ENDED = List.of("REPORTED", "FAILED", "CANCELLED");

    private final KafkaSettings kafka;
    private final ReportingClient reporting;
    private final PrintStream out;
    private final PrintStream err;

    Cancel(KafkaSettings kafka, ReportingClient reporting, PrintStream out, PrintStream err) {
        this.kafka = kafka;
        this.reporting = reporting;
        this.out = out;
        this.err = err;
    }

    /** @param variant the job's variant; null takes the one the reporting service knows (custom when forced) */
    int run(String jobId, String variant, String reason, boolean force) {
        CancelRequested cancel = CancelRequested.of(jobId, variant == null ? "custom" : variant, reason);
        if (!force) {
            Optional<ReportingClient.Answer> answer =
                    reporting.get("/jobs/" + jobId, err, "; --force publishes the cancel without asking");
            if (answer.isEmpty()) {
                return Main.JOB_FAILED;
            }
            Verdict verdict = verdict(jobId, answer.get());
            if (verdict.code() != Main.OK) {
                err.println(verdict.message());
                return verdict.code();
            }
            if (variant == null && verdict.variant() != null) {
                cancel = CancelRequested.of(jobId, verdict.variant(), reason);
            }
        }
        if (!KafkaClients.publish(kafka, cancel, err)) {
            return Main.JOB_FAILED;
        }
        out.println(cancel.jobId());
        return Main.OK;
    }

    /** Whether to cancel, from the reporting service's answer about the job; OK carries the job's variant. */
    record Verdict(int code, String message, String variant) {}

    static Verdict verdict(String jobId, ReportingClient.Answer answer) {
        if (answer.status() == 404) {
            return new Verdict(
                    Main.UNKNOWN_JOB,
                    "shiftq: no job '" + jobId + "' is known to the reporting service; nothing to cancel",
                    null);
        }
        if (answer.status() != 200) {
            return new Verdict(
                    Main.JOB_FAILED,
                    "shiftq: the reporting service answered " + answer.status() + ": " + answer.body()
                            + "; --force publishes the cancel without asking",
                    null);
        }
        JsonNode job = answer.json();
        String state = job.path("state").asText();
        if (ENDED.contains(state)) {
            return new Verdict(
                    Main.JOB_ENDED,
                    "shiftq: job '" + jobId + "' has already ended (" + state + "); nothing to cancel",
                    null);
        }
        return new Verdict(
                Main.OK, null, job.hasNonNull("variant") ? job.get("variant").asText() : null);
    }
}
