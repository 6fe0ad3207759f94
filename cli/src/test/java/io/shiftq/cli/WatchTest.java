package io.shiftq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.messaging.KafkaClients;
import io.shiftq.messaging.KafkaSettings;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.QuantizationRequested;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Topics;
import io.shiftq.testsupport.KafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@code watch} on a real broker where nobody serves the job's variant. */
class WatchTest {

    @Test
    void anAimetJobWithNoWorkerInItsGroupIsToldSoWhileItWaits() {
        String bootstrap = KafkaBroker.bootstrapServers();
        KafkaBroker.createTopics(bootstrap, Topics.ALL, 2);
        String job = "watch-nobody-" + UUID.randomUUID().toString().substring(0, 8);
        QuantizationRequested request = new QuantizationRequested(
                EventTypes.SCHEMA_VERSION, job, ShiftqEvent.AIMET, Instant.now(), QuantizationConfig.defaults());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(KafkaClients.publish(
                        KafkaSettings.plain(bootstrap), request, new PrintStream(err, true, StandardCharsets.UTF_8)))
                .as(err.toString(StandardCharsets.UTF_8))
                .isTrue();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.run(
                new String[] {"--bootstrap", bootstrap, "watch", job, "--timeout", "8", "--lines"},
                Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(code).as("no report within the timeout").isEqualTo(Main.JOB_FAILED);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("waiting: no aimet worker is running (consumer group shiftq-aimet-worker has no member)");
    }
}
