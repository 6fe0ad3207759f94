package io.shiftq.cli;

import io.shiftq.messaging.KafkaClients;
import io.shiftq.messaging.KafkaSettings;
import io.shiftq.schema.Json;
import io.shiftq.schema.artifact.ArtifactException;
import io.shiftq.schema.artifact.ArtifactStore;
import io.shiftq.schema.event.EventReadException;
import io.shiftq.schema.event.ReportPublished;
import io.shiftq.schema.event.Topics;
import io.shiftq.schema.report.QuantizationReport;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code report}: finds the job's ReportPublished on shiftq.reports and prints the report from the artifact store as
 * a table, CSV or the JSON file.
 */
final class ReportCommand {

    private final KafkaSettings kafka;
    private final String artifactsRoot;
    private final PrintStream out;
    private final PrintStream err;

    ReportCommand(KafkaSettings kafka, String artifactsRoot, PrintStream out, PrintStream err) {
        this.kafka = kafka;
        this.artifactsRoot = artifactsRoot;
        this.out = out;
        this.err = err;
    }

    int run(String jobId, ReportFormat format) {
        ReportPublished found = find(jobId);
        if (found == null) {
            err.println("shiftq: no report of " + jobId + " on " + Topics.REPORTS + " yet (shiftq watch " + jobId
                    + " waits for it)");
            return Main.JOB_FAILED;
        }
        try {
            // Read through the store: the URI must lie under its root and the bytes must match the sha256.
            byte[] bytes = new ArtifactStore(Path.of(artifactsRoot)).read(found.report());
            String json = new String(bytes, StandardCharsets.UTF_8);
            switch (format) {
                case JSON -> out.println(json);
                case CSV -> out.print(ReportFormat.csv(Json.read(json, QuantizationReport.class)));
                case TABLE -> {
                    out.println(EventLines.summary(
                            found, Path.of(URI.create(found.report().uri())).toString()));
                    out.println();
                    out.print(ReportFormat.table(Json.read(json, QuantizationReport.class)));
                }
            }
            return Main.OK;
        } catch (ArtifactException e) {
            err.println("shiftq: " + e.getMessage() + " (is --artifacts the services' shiftq.artifacts.root?)");
            return Main.JOB_FAILED;
        }
    }

    /** Reads shiftq.reports from the start up to its current end; the first report of the job wins. */
    private ReportPublished find(String jobId) {
        try (KafkaConsumer<String, String> consumer = KafkaClients.readerFromStart(kafka, List.of(Topics.REPORTS))) {
            Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    if (jobId.equals(record.key())) {
                        try {
                            return Json.read(record.value(), ReportPublished.class);
                        } catch (EventReadException e) {
                            err.println("shiftq: skipped an unreadable report event: " + e.getMessage());
                        }
                    }
                }
            }
        }
        return null;
    }
}
