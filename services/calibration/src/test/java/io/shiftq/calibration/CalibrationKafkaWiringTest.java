package io.shiftq.calibration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.shiftq.schema.Json;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.StageStatus;
import io.shiftq.schema.event.Topics;
import io.shiftq.service.testing.StageFixtures;
import io.shiftq.testsupport.KafkaBroker;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The wiring on a real broker: a request on shiftq.requests comes out on shiftq.calibration.done with CloudEvents
 * headers, and a cancel published on shiftq.control before the service started still keeps its job from running.
 */
@QuarkusTest
@QuarkusTestResource(value = RealKafka.class, restrictToAnnotatedClass = true)
class CalibrationKafkaWiringTest {

    @Test
    void requestOnTheRequestsTopicEndsOnCalibrationDone() {
        String job = StageFixtures.jobId("wiring");
        ConsumerRecord<String, String> record = requestAndAwaitDone(job);
        assertThat(KafkaCompanion.getHeader(record.headers(), EventTypes.HEADER_TYPE))
                .isEqualTo(EventTypes.CALIBRATION_COMPLETED);
        assertThat(KafkaCompanion.getHeader(record.headers(), EventTypes.HEADER_SUBJECT))
                .isEqualTo(job);
        StageCompleted completed = Json.read(record.value(), StageCompleted.class);
        assertThat(completed.stage()).isEqualTo(Stage.CALIBRATION);
        assertThat(completed.artifacts()).containsKeys("fp32_weights", "activation_stats");
    }

    @Test
    void aCancelPublishedBeforeTheServiceStartedKeepsTheQueuedJobFromRunning() {
        StageCompleted completed =
                Json.read(requestAndAwaitDone(RealKafka.CANCELLED_BEFORE_START).value(), StageCompleted.class);
        assertThat(completed.status()).isEqualTo(StageStatus.CANCELLED);
        assertThat(completed.artifacts()).isEmpty();
    }

    private static ConsumerRecord<String, String> requestAndAwaitDone(String job) {
        try (KafkaCompanion companion = new KafkaCompanion(KafkaBroker.bootstrapServers());
                ConsumerTask<String, String> done = companion.consumeStrings().fromTopics(Topics.CALIBRATION_DONE)) {
            companion
                    .produceStrings()
                    .fromRecords(new ProducerRecord<>(
                            Topics.REQUESTS,
                            job,
                            StageFixtures.request(
                                            job, ShiftqEvent.CUSTOM, StageFixtures.config("baseline: {epochs: 0}"))
                                    .value()))
                    .awaitCompletion();
            return await().atMost(Duration.ofSeconds(90))
                    .until(
                            () -> done.getRecords().stream()
                                    .filter(r -> job.equals(r.key()))
                                    .findFirst()
                                    .orElse(null),
                            r -> r != null);
        }
    }
}
