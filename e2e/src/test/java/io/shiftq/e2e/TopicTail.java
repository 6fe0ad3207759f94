package io.shiftq.e2e;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Everything on some topics from offset 0, read by a consumer without a group (so the services' groups never notice),
 * each record with the time this test saw it.
 */
final class TopicTail implements AutoCloseable {

    /** A record and when the test read it. */
    record Seen(String topic, int partition, String key, String value, Instant seenAt) {}

    private final KafkaConsumer<String, String> consumer;
    private final List<Seen> seen = new ArrayList<>();

    TopicTail(String bootstrap, List<String> topics) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false));
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Reads what arrived since the last call and returns every record seen so far. */
    synchronized List<Seen> poll() {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
            seen.add(new Seen(r.topic(), r.partition(), r.key(), r.value(), Instant.now()));
        }
        return List.copyOf(seen);
    }

    /** The records of one job on one topic, in order. */
    synchronized List<Seen> of(String topic, String jobId) {
        return poll().stream()
                .filter(s -> s.topic().equals(topic) && jobId.equals(s.key()))
                .toList();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
