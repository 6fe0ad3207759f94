package io.shiftq.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Proves against a real broker that KafkaBroker yields one that stores and serves records. */
class KafkaBrokerTest {

    @Test
    void recordRoundTripsThroughTheBroker() throws Exception {
        String bootstrap = KafkaBroker.bootstrapServers();
        // A fresh name per run: an external broker may keep topics from earlier runs.
        String topic = "test-support.roundtrip." + UUID.randomUUID();
        KafkaBroker.createTopics(bootstrap, List.of(topic), 2);

        RecordMetadata sent;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(),
                new StringSerializer())) {
            sent = producer.send(new ProducerRecord<>(topic, "job-1", "calibration done"))
                    .get();
        }

        List<ConsumerRecord<String, String>> received = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "test-support-" + UUID.randomUUID(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest"),
                new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            // Joining the group and fetching take a moment; poll until the record is there.
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                return !received.isEmpty();
            });
        }

        assertThat(received).hasSize(1);
        ConsumerRecord<String, String> record = received.get(0);
        assertThat(record.key()).isEqualTo("job-1");
        assertThat(record.value()).isEqualTo("calibration done");
        assertThat(record.partition()).isEqualTo(sent.partition());
        assertThat(record.offset()).isEqualTo(sent.offset());
    }

    @Test
    void createTopicsIsIdempotentAndUsesTheGivenPartitionCount() throws Exception {
        String bootstrap = KafkaBroker.bootstrapServers();
        String topic = "test-support.partitions." + UUID.randomUUID();

        KafkaBroker.createTopics(bootstrap, List.of(topic), 2);
        // A second call (another test class, a restarted service) must not fail on existing topics.
        KafkaBroker.createTopics(bootstrap, List.of(topic), 2);

        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(config)) {
            assertThat(admin.describeTopics(List.of(topic))
                            .allTopicNames()
                            .get()
                            .get(topic)
                            .partitions())
                    .hasSize(2);
        }
    }

    @Test
    void theGivenAddressIsALiveBrokerThatNamesItselfByThatAddress() throws Exception {
        String bootstrap = KafkaBroker.bootstrapServers();
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(config)) {
            var nodes = admin.describeCluster().nodes().get();
            assertThat(nodes).isNotEmpty();
            // Clients connect to the advertised listener, so it must be reachable under the address handed out.
            assertThat(nodes).anySatisfy(n -> assertThat(bootstrap).contains(":" + n.port()));
        }
    }
}
