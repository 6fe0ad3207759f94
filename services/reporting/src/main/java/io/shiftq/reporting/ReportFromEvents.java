package io.shiftq.reporting;

import com.fasterxml.jackson.databind.JsonNode;
import io.shiftq.schema.Json;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.report.QuantizationReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * A job's report from a file of its events (a JSON array, as the AIMET worker's {@code shiftq_aimet.local} writes
 * {@code events.json}), assembled by {@link ReportFromStages} exactly as the service assembles it from Kafka: a job
 * run without a broker gets the report a user of the service would read.
 */
public final class ReportFromEvents {

    private ReportFromEvents() {}

    /** {@code ReportFromEvents EVENTS.json REPORT.json}. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: ReportFromEvents EVENTS.json REPORT.json");
            System.exit(2);
        }
        QuantizationReport report = build(Files.readString(Path.of(args[0])));
        Files.writeString(Path.of(args[1]), Json.writePretty(report), StandardCharsets.UTF_8);
    }

    /**
     * The report of the stage completions in {@code eventsJson}; progress events are skipped and a later
     * completion of a stage replaces an earlier one, as the job board keeps the last.
     *
     * @throws IllegalArgumentException naming what the events lack
     * @throws IOException when the text is not JSON
     */
    public static QuantizationReport build(String eventsJson) throws IOException {
        JsonNode events = Json.mapper().readTree(eventsJson);
        if (!events.isArray()) {
            throw new IllegalArgumentException("expected a JSON array of events");
        }
        Map<Stage, StageCompleted> stages = new EnumMap<>(Stage.class);
        for (JsonNode event : events) {
            // Only a stage completion carries a status; progress events have a percent instead.
            if (event.has("status")) {
                StageCompleted done = Json.read(event.toString(), StageCompleted.class);
                stages.put(done.stage(), done);
            }
        }
        StageCompleted last = stages.get(Stage.FINAL_PTQ);
        if (last == null) {
            throw new IllegalArgumentException("the events hold no final_ptq completion");
        }
        return ReportFromStages.build(new JobBoard.ReportInput(last.jobId(), last.variant(), null, stages));
    }
}
