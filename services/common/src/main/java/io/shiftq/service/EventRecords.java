package io.shiftq.service;

import io.shiftq.schema.Json;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Outgoing events as Kafka records: JSON body, keyed by job id, CloudEvents binary-mode {@code ce_*} headers. */
public final class EventRecords {

    private EventRecords() {}

    /** The record for an event produced by a stage's service. */
    public static Message<String> of(ShiftqEvent event, Stage source) {
        return Message.of(Json.write(event))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                        .withKey(event.jobId())
                        .withHeaders(headers(event, source))
                        .build());
    }

    /** The CloudEvents headers of an event: spec version, versioned type, id, source, time, subject, content type. */
    public static Headers headers(ShiftqEvent event, Stage source) {
        RecordHeaders headers = new RecordHeaders();
        add(headers, EventTypes.HEADER_SPECVERSION, EventTypes.SPEC_VERSION);
        add(headers, EventTypes.HEADER_TYPE, EventTypes.typeOf(event));
        add(headers, EventTypes.HEADER_ID, UUID.randomUUID().toString());
        add(headers, EventTypes.HEADER_SOURCE, EventTypes.sourceOf(source));
        add(headers, EventTypes.HEADER_TIME, Instant.now().toString());
        add(headers, EventTypes.HEADER_SUBJECT, event.jobId());
        add(headers, EventTypes.HEADER_CONTENT_TYPE, EventTypes.CONTENT_TYPE);
        return headers;
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
        var header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static void add(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
