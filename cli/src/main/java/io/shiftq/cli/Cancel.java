package io.shiftq.cli;

import io.shiftq.messaging.KafkaClients;
import io.shiftq.messaging.KafkaSettings;
import io.shiftq.schema.event.CancelRequested;
import java.io.PrintStream;

/**
 * {@code cancel}: publishes a CancelRequested to shiftq.control; every stage instance stops the job at its next batch
 * (or never starts it) and the report says cancelled. {@code watch} shows the rest.
 */
final class Cancel {

    private final KafkaSettings kafka;
    private final PrintStream out;
    private final PrintStream err;

    Cancel(KafkaSettings kafka, PrintStream out, PrintStream err) {
        this.kafka = kafka;
        this.out = out;
        this.err = err;
    }

    int run(String jobId, String variant, String reason) {
        CancelRequested cancel = CancelRequested.of(jobId, variant, reason);
        if (!KafkaClients.publish(kafka, cancel, err)) {
            return Main.JOB_FAILED;
        }
        out.println(cancel.jobId());
        return Main.OK;
    }
}
