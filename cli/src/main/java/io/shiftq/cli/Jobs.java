package io.shiftq.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.shiftq.schema.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** {@code jobs}: the most recent jobs and their states, from the reporting service's {@code GET /jobs}. */
final class Jobs {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final String reporting;
    private final PrintStream out;
    private final PrintStream err;

    Jobs(String reporting, PrintStream out, PrintStream err) {
        this.reporting = reporting;
        this.out = out;
        this.err = err;
    }

    /**
     * @param limit how many of the newest jobs to show
     * @param json print the service's JSON array (newest first) instead of a table
     */
    int run(int limit, boolean json) {
        JsonNode all;
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(reporting.replaceAll("/+$", "") + "/jobs"))
                    .timeout(TIMEOUT)
                    .header("Accept", "application/json")
                    .build();
            HttpResponse<String> response =
                    HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                err.println(
                        "shiftq: " + reporting + "/jobs answered " + response.statusCode() + ": " + response.body());
                return Main.JOB_FAILED;
            }
            all = Json.mapper().readTree(response.body());
        } catch (IOException e) {
            err.println("shiftq: cannot reach the reporting service at " + reporting + ": " + e
                    + " (--reporting URL or $" + Main.ENV_REPORTING + ")");
            return Main.JOB_FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.JOB_FAILED;
        }
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
