package io.shiftq.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.Topics;
import io.shiftq.testsupport.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Whether anyone takes a job's next input, asked of a real broker. */
class WorkersTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void anEmptyGroupHasNoMemberUntilAConsumerJoinsAndNoneAfterItLeaves() throws Exception {
        String bootstrap = KafkaBroker.bootstrapServers();
        KafkaBroker.createTopics(bootstrap, List.of(Topics.REQUESTS), 2);
        // A group of its own, so a worker someone runs on the same broker cannot join it.
        String group = Workers.AIMET_GROUP + "-test-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            assertThat(Workers.members(admin, List.of(group), TIMEOUT)).containsEntry(group, 0);
            try (KafkaConsumer<String, String> worker = consumer(bootstrap, group)) {
                worker.subscribe(List.of(Topics.REQUESTS));
                Awaitility.await("the consumer joins " + group)
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> {
                            worker.poll(Duration.ofMillis(200));
                            return !worker.assignment().isEmpty();
                        });
                assertThat(Workers.members(admin, List.of(group), TIMEOUT)).containsEntry(group, 1);
            }
            // close() leaves the group at once (no session timeout to wait for).
            assertThat(Workers.members(admin, List.of(group), TIMEOUT)).containsEntry(group, 0);
        }
    }

    @Test
    void aJobWaitsOnTheGroupOfItsVariantAndNextStageNamedAsAPersonWouldSayIt() throws Exception {
        assertThat(Workers.nobody(ShiftqEvent.AIMET, Stage.QAT)).startsWith("no aimet worker is running");
        assertThat(Workers.nobody(ShiftqEvent.CUSTOM, Stage.FINAL_PTQ))
                .startsWith("no final-ptq service is running (consumer group shiftq-final-ptq has no member)");
        assertThat(Workers.next(List.of(Stage.CALIBRATION, Stage.PTQ))).isEqualTo(Stage.QAT);
        assertThat(Workers.next(Stage.PIPELINE)).isNull();
        // The Java groups are the services' quarkus.application.name.
        for (Stage stage : Stage.PIPELINE) {
            Path props = Path.of("..", stage.id().replace('_', '-'), "src/main/resources/application.properties");
            assertThat(Files.readString(props))
                    .contains("quarkus.application.name=" + Workers.group(ShiftqEvent.CUSTOM, stage));
        }
    }

    private static KafkaConsumer<String, String> consumer(String bootstrap, String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }
}
