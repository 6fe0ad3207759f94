package io.shiftq.messaging;

import io.shiftq.schema.Json;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.header.Headers;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Outgoing events as Reactive Messaging messages for the Quarkus services: JSON body, keyed by job id, with the
 * {@link CloudEventHeaders}. The connector's own CloudEvents support stays off, so these are the only headers.
 */
public final class EventRecords {

    private EventRecords() {}

    /** The message for an event produced now by a stage's (or reporting's) service. */
    public static Message<String> of(ShiftqEvent event, Stage source) {
        return of(event, source, Instant.now());
    }

    /** The message for an event produced at {@code time} by a stage's (or reporting's) service. */
    public static Message<String> of(ShiftqEvent event, Stage source, Instant time) {
        Headers headers = CloudEventHeaders.of(
                event, CloudEventHeaders.sourceOf(source), UUID.randomUUID().toString(), time);
        return Message.of(Json.write(event))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                        .withKey(event.jobId())
                        .withHeaders(headers)
                        .build());
    }

    /** Sends an event; the stage completes when the broker has acknowledged it (or fails with the send error). */
    public static CompletionStage<Void> send(Emitter<String> emitter, ShiftqEvent event, Stage source) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        emitter.send(of(event, source)
                .withAck(() -> {
                    sent.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(error -> {
                    sent.completeExceptionally(error);
                    return CompletableFuture.completedFuture(null);
                }));
        return sent;
    }

    /** A header's value as text, or null when absent. */
    public static String header(Headers headers, String name) {
        return CloudEventHeaders.read(headers, name);
    }
}
