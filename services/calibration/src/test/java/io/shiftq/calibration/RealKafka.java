package io.shiftq.calibration;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.shiftq.schema.Json;
import io.shiftq.schema.event.CancelRequested;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Topics;
import io.shiftq.testsupport.KafkaBroker;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A real broker for the wiring test (see {@link KafkaBroker}). The service joins a fresh consumer group whose
 * offsets start at the current end of {@code shiftq.requests}, so older requests on a shared broker are left alone.
 * Before the service starts, one job is cancelled on {@code shiftq.control}.
 */
public class RealKafka implements QuarkusTestResourceLifecycleManager {

    /** The consumer group the service uses in this test. */
    static final String GROUP = "shiftq-calibration-wiring-" + UUID.randomUUID();
    /** A job cancelled on shiftq.control before the service starts. */
    static final String CANCELLED_BEFORE_START = "wiring-cancelled-" + UUID.randomUUID();

    @Override
    public Map<String, String> start() {
        String bootstrap = KafkaBroker.bootstrapServers();
        KafkaBroker.createTopics(bootstrap, Topics.ALL, 1);
        try (KafkaCompanion companion = new KafkaCompanion(bootstrap)) {
            var admin = companion.getOrCreateAdminClient();
            Map<TopicPartition, OffsetSpec> ends = admin
                    .describeTopics(List.of(Topics.REQUESTS))
                    .allTopicNames()
                    .get()
                    .get(Topics.REQUESTS)
                    .partitions()
                    .stream()
                    .collect(Collectors.toMap(
                            p -> new TopicPartition(Topics.REQUESTS, p.partition()), p -> OffsetSpec.latest()));
            Map<TopicPartition, OffsetAndMetadata> start = admin.listOffsets(ends).all().get().entrySet().stream()
                    .collect(Collectors.toMap(
                            Map.Entry::getKey,
                            e -> new OffsetAndMetadata(e.getValue().offset())));
            admin.alterConsumerGroupOffsets(GROUP, start).all().get();
            CancelRequested cancel = CancelRequested.of(CANCELLED_BEFORE_START, ShiftqEvent.CUSTOM, "before start");
            companion
                    .produceStrings()
                    .fromRecords(new ProducerRecord<>(Topics.CONTROL, cancel.jobId(), Json.write(cancel)))
                    .awaitCompletion();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not set the test group's offsets on " + bootstrap, e.getCause());
        }
        return Map.of(
                "kafka.bootstrap.servers",
                bootstrap,
                "mp.messaging.incoming." + CalibrationProcessor.REQUESTS + ".group.id",
                GROUP);
    }

    @Override
    public void stop() {
        // The broker belongs to KafkaBroker (or the environment); it outlives this test.
    }
}
