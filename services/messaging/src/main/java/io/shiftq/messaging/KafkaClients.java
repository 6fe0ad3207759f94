package io.shiftq.messaging;

import io.shiftq.schema.Json;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Topics;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain Kafka clients (the CLI's): a producer that writes CloudEvents headers, and group-less readers from offset 0. */
public final class KafkaClients {

    private KafkaClients() {}

    public static KafkaProducer<String, String> producer(KafkaSettings kafka) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        return new KafkaProducer<>(kafka.with(p));
    }

    /**
     * Publishes one event and waits for the broker; prints where it landed, or why not, on err.
     *
     * @return true when the broker has it
     */
    public static boolean publish(KafkaSettings kafka, ShiftqEvent event, PrintStream err) {
        try (KafkaProducer<String, String> producer = producer(kafka)) {
            RecordMetadata written =
                    producer.send(record(event, Json.write(event))).get(30, TimeUnit.SECONDS);
            err.printf(
                    "%s %s (%s) to %s partition %d offset %d%n",
                    EventTypes.typeOf(event),
                    event.jobId(),
                    event.variant(),
                    written.topic(),
                    written.partition(),
                    written.offset());
            return true;
        } catch (ExecutionException | TimeoutException e) {
            err.println("shiftq: could not publish to " + kafka.bootstrap() + ": " + e.getMessage()
                    + " (is the broker up? scripts/kafka.sh start)");
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The event as a record on its topic, keyed by job id, with the {@link CloudEventHeaders} of the CLI. */
    public static ProducerRecord<String, String> record(ShiftqEvent event, String json) {
        return new ProducerRecord<>(
                Topics.of(event), null, event.jobId(), json, CloudEventHeaders.of(event, CloudEventHeaders.CLI_SOURCE));
    }

    /**
     * A consumer assigned to every partition of the topics, at the earliest offset. No group: nothing is
     * committed, and a watcher never disturbs the services' groups.
     */
    public static KafkaConsumer<String, String> readerFromStart(KafkaSettings kafka, Collection<String> topics) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(kafka.with(p));
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic);
            if (infos == null || infos.isEmpty()) {
                consumer.close();
                throw new IllegalStateException("topic " + topic + " does not exist on " + kafka.bootstrap()
                        + " (scripts/kafka.sh topics creates the shiftq topics)");
            }
            infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /** An admin client for the CLI's questions about consumer groups; answers within 10 s or fails. */
    public static Admin admin(KafkaSettings kafka) {
        Properties own = new Properties();
        own.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        own.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        own.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        return Admin.create(kafka.with(own));
    }
}
