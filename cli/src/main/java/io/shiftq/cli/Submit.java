package io.shiftq.cli;

import io.shiftq.messaging.KafkaClients;
import io.shiftq.messaging.KafkaSettings;
import io.shiftq.schema.config.ConfigException;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.JobIds;
import io.shiftq.schema.event.QuantizationRequested;
import java.io.PrintStream;
import java.nio.file.Path;

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
        if (!KafkaClients.publish(kafka, request, err)) {
            return Main.JOB_FAILED;
        }
        out.println(request.jobId());
        return Main.OK;
    }
}
