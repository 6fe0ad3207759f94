package io.shiftq.service;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.shiftq.schema.Json;
import io.shiftq.schema.event.CancelRequested;
import io.shiftq.schema.event.EventReadException;
import io.shiftq.schema.event.Topics;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Reads {@code shiftq.control} from its first offset on every instance, with a plain consumer that has no group: each
 * replica must see every cancel, and a replica that starts late must still learn of cancels published before it
 * started (the topic is compacted, so they are all still there). Not a messaging channel, because a channel in a
 * consumer group would hand each cancel to one replica only, and its position could not tell when the backlog is read.
 */
@ApplicationScoped
public class CancelListener {

    private static final Logger LOG = Logger.getLogger(CancelListener.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final JobCancels cancels;
    private final Map<String, Object> kafka;
    private final boolean listen;
    private volatile KafkaConsumer<String, String> consumer;
    private volatile boolean stopping;

    CancelListener(
            JobCancels cancels, @Identifier("default-kafka-broker") Map<String, Object> kafka, ShiftqConfig config) {
        this.cancels = cancels;
        this.kafka = kafka;
        this.listen = config.cancel().listen();
    }

    void start(@Observes StartupEvent started) {
        if (!listen) {
            cancels.markCaughtUp();
            return;
        }
        Thread reader = new Thread(this::readForever, "shiftq-cancel-listener");
        reader.setDaemon(true);
        reader.start();
    }

    void stop(@Observes ShutdownEvent stopped) {
        stopping = true;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    private void readForever() {
        while (!stopping) {
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(properties())) {
                consumer = c;
                read(c);
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                // The broker is away or the topic is not there yet: say so, wait, and start over from offset 0.
                LOG.warnf("cannot read %s (%s); retrying in %s", Topics.CONTROL, e.getMessage(), RETRY);
                sleep();
            }
        }
    }

    private void read(KafkaConsumer<String, String> c) {
        List<TopicPartition> partitions = c.partitionsFor(Topics.CONTROL, Duration.ofSeconds(10)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        if (partitions.isEmpty()) {
            throw new IllegalStateException("topic " + Topics.CONTROL + " does not exist");
        }
        c.assign(partitions);
        c.seekToBeginning(partitions);
        Map<TopicPartition, Long> backlog = c.endOffsets(partitions);
        boolean behind = true;
        while (!stopping) {
            for (ConsumerRecord<String, String> r : c.poll(POLL)) {
                apply(r);
            }
            if (behind && partitions.stream().allMatch(p -> c.position(p) >= backlog.get(p))) {
                LOG.infof("read the cancels published before start (end offsets %s)", backlog);
                cancels.markCaughtUp();
                behind = false;
            }
        }
    }

    private void apply(ConsumerRecord<String, String> r) {
        try {
            CancelRequested cancel = Json.read(r.value(), CancelRequested.class);
            cancels.cancel(cancel.jobId());
            LOG.infof("job %s: cancel requested (%s)", cancel.jobId(), cancel.reason());
        } catch (EventReadException e) {
            LOG.warnf(
                    "skipped an unreadable cancel at %s-%d@%d: %s",
                    r.topic(), r.partition(), r.offset(), e.getMessage());
        }
    }

    private Map<String, Object> properties() {
        Map<String, Object> p = new HashMap<>(kafka);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return p;
    }

    private static void sleep() {
        try {
            Thread.sleep(RETRY.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
