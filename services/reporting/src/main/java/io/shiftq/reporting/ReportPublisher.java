package io.shiftq.reporting;

import io.quarkus.logging.Log;
import io.shiftq.messaging.Channels;
import io.shiftq.messaging.EventRecords;
import io.shiftq.schema.Json;
import io.shiftq.schema.artifact.ArtifactStore;
import io.shiftq.schema.event.ArtifactRef;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.ReportPublished;
import io.shiftq.schema.event.ReportSummary;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.report.QuantizationReport;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import org.eclipse.microprofile.reactive.messaging.Channel;

/** Writes a job's report.json into the artifact store and announces it on {@code shiftq.reports}, once per job. */
@ApplicationScoped
public class ReportPublisher {

    /** The report's artifact name inside the job's directory. */
    public static final String REPORT_FILE = "report.json";

    private final JobBoard board;
    private final ArtifactStore store;
    private final MutinyEmitter<String> reports;

    ReportPublisher(JobBoard board, ArtifactStore store, @Channel(Channels.REPORTS_OUT) MutinyEmitter<String> reports) {
        this.board = board;
        this.store = store;
        this.reports = reports;
    }

    /**
     * Makes the report; a job whose report.json already holds these exact bytes was reported before a restart,
     * so it is taken as published and nothing is sent again. (A crash between writing the file and sending the
     * event would leave that job unannounced; its file and REST view are still there.)
     */
    public void publish(JobBoard.ReportInput input) {
        try {
            QuantizationReport report = ReportFromStages.build(input);
            ReportSummary summary = ReportFromStages.summary(input, report);
            byte[] bytes = Json.writePretty(report).getBytes(StandardCharsets.UTF_8);
            boolean seenBefore = sameFile(input.jobId(), bytes);
            ArtifactRef ref = store.put(input.jobId(), REPORT_FILE, bytes);
            ReportPublished event = new ReportPublished(
                    EventTypes.SCHEMA_VERSION, input.jobId(), input.variant(), ref, summary, Instant.now());
            if (!board.onReport(event) || seenBefore) {
                Log.infof("job %s: report %s was published before", input.jobId(), ref.uri());
                return;
            }
            reports.sendMessageAndAwait(EventRecords.of(event, Stage.REPORTING, event.at()));
            Log.infof(
                    "job %s: report %s (%d layers, final accuracy %.2f%%)",
                    input.jobId(), ref.uri(), summary.layers(), summary.finalAccuracy());
        } catch (RuntimeException e) {
            board.reportAbandoned(input.jobId());
            Log.errorf(e, "job %s: report could not be made: %s", input.jobId(), e.getMessage());
        }
    }

    private boolean sameFile(String jobId, byte[] bytes) {
        Path existing = store.jobDir(jobId).resolve(REPORT_FILE);
        try {
            return Files.isRegularFile(existing) && Arrays.equals(Files.readAllBytes(existing), bytes);
        } catch (IOException e) {
            return false;
        }
    }
}
