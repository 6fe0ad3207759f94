package io.shiftq.reporting;

import io.shiftq.schema.Json;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.eclipse.microprofile.reactive.messaging.Message;

/** The Kafka message of an event this service sends: JSON keyed by job id, with CloudEvents binary headers. */
final class EventMessages {

    private EventMessages() {}

    static Message<String> of(ShiftqEvent event, Instant at) {
        OutgoingCloudEventMetadata<String> ce = OutgoingCloudEventMetadata.<String>builder()
                .withId(UUID.randomUUID().toString())
                .withType(EventTypes.typeOf(event))
                .withSource(URI.create(EventTypes.sourceOf(Stage.REPORTING)))
                .withSubject(event.jobId())
                .withDataContentType(EventTypes.CONTENT_TYPE)
                .withTimestamp(at.atZone(ZoneOffset.UTC))
                .build();
        return Message.of(Json.write(event))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                        .withKey(event.jobId())
                        .build())
                .addMetadata(ce);
    }
}
