package io.shiftq.cli;

import io.shiftq.schema.Json;
import io.shiftq.schema.config.ConfigException;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.JobIds;
import io.shiftq.schema.event.QuantizationRequested;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;

/** {@code submit}: validates a config locally, then publishes a QuantizationRequested and prints the job id. */
final class Submit {

    private final KafkaSettings kafka;
    private final PrintStream out;
    private final PrintStream err;

    Submit(KafkaSettings kafka, PrintStream out, PrintStream err) {
        this.kafka = kafka;
        this.out = out;
        this.err = err;
    }

    int run(String configFile, String jobId, String variant) {
        QuantizationRequested request;
        try {
            QuantizationConfig config = QuantizationConfig.load(Path.of(configFile));
            request = QuantizationRequested.of(jobId == null ? JobIds.newId() : jobId, variant, config);
        } catch (ConfigException e) {
            err.println("shiftq: " + configFile + " is not a valid config:");
            e.problems().forEach(p -> err.println("  - " + p));
            return Main.USAGE;
        }
        try (KafkaProducer<String, String> producer = KafkaClients.producer(kafka)) {
            RecordMetadata written = producer.send(KafkaClients.record(request, Json.write(request)))
                    .get(30, TimeUnit.SECONDS);
            err.printf(
                    "submitted %s (%s) to %s partition %d offset %d%n",
                    request.jobId(), request.variant(), written.topic(), written.partition(), written.offset());
        } catch (ExecutionException | TimeoutException e) {
            err.println("shiftq: could not publish to " + kafka.bootstrap() + ": " + e.getMessage()
                    + " (is the broker up? scripts/kafka.sh start)");
            return Main.JOB_FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.JOB_FAILED;
        }
        out.println(request.jobId());
        return Main.OK;
    }
}
