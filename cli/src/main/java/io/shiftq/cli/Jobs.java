package io.shiftq.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.shiftq.schema.Json;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@code jobs}: the most recent jobs and their states, from the reporting service's {@code GET /jobs}. */
final class Jobs {

    private final ReportingClient reporting;
    private final PrintStream out;
    private final PrintStream err;

    Jobs(ReportingClient reporting, PrintStream out, PrintStream err) {
        this.reporting = reporting;
        this.out = out;
        this.err = err;
    }

    /**
     * @param limit how many of the newest jobs to show
     * @param json print the service's JSON array (newest first) instead of a table
     */
    int run(int limit, boolean json) {
        Optional<ReportingClient.Answer> answer = reporting.get("/jobs", err, "");
        if (answer.isEmpty()) {
            return Main.JOB_FAILED;
        }
        if (answer.get().status() != 200) {
            err.println("shiftq: " + reporting.url() + "/jobs answered "
                    + answer.get().status() + ": " + answer.get().body());
            return Main.JOB_FAILED;
        }
        JsonNode all = answer.get().json();
        // The service lists oldest first; the newest are what a person asks for.
        List<JsonNode> newest = new ArrayList<>();
        all.forEach(newest::add);
        newest = new ArrayList<>(newest.subList(Math.max(0, newest.size() - limit), newest.size()));
        Collections.reverse(newest);
        if (json) {
            out.println(Json.mapper().valueToTree(newest).toPrettyString());
        } else {
            out.print(table(newest, Instant.now()));
        }
        return Main.OK;
    }

    static String table(List<JsonNode> jobs, Instant now) {
        StringBuilder text = new StringBuilder(String.format(
                Locale.ROOT,
                "%-24s %-9s %-7s %-10s %-12s %7s %7s %7s %7s %8s%n",
                "JOB",
                "STATE",
                "VARIANT",
                "MODEL",
                "BITS w/b/i/o",
                "FP32",
                "PTQ",
                "QAT",
                "FINAL",
                "AGE"));
        for (JsonNode job : jobs) {
            JsonNode setup = job.path("setup");
            text.append(String.format(
                    Locale.ROOT,
                    "%-24s %-9s %-7s %-10s %-12s %7s %7s %7s %7s %8s%n",
                    job.path("job_id").asText(),
                    job.path("state").asText(),
                    job.path("variant").asText("-"),
                    setup.path("model").asText("-"),
                    setup.isMissingNode()
                            ? "-"
                            : setup.path("weight_bits").asInt() + "/"
                                    + setup.path("bias_bits").asInt() + "/"
                                    + setup.path("input_bits").asInt() + "/"
                                    + setup.path("output_bits").asInt(),
                    accuracy(job, "calibration"),
                    accuracy(job, "ptq"),
                    accuracy(job, "qat"),
                    accuracy(job, "final_ptq"),
                    age(job, now)));
        }
        return text.toString();
    }

    private static String accuracy(JsonNode job, String stage) {
        for (JsonNode s : job.path("stages")) {
            if (stage.equals(s.path("stage").asText()) && s.hasNonNull("accuracy")) {
                return String.format(Locale.ROOT, "%.2f", s.get("accuracy").asDouble());
            }
        }
        return "-";
    }

    private static String age(JsonNode job, Instant now) {
        JsonNode since = job.path("requested_at");
        if (since.isMissingNode() || since.isNull()) {
            return "-";
        }
        long s =
                Math.max(0, Duration.between(Instant.parse(since.asText()), now).toSeconds());
        if (s < 120) {
            return s + "s";
        } else if (s < 7200) {
            return s / 60 + "m";
        } else if (s < 172_800) {
            return s / 3600 + "h";
        }
        return s / 86_400 + "d";
    }
}
