package io.shiftq.messaging;

import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The CloudEvents binary-mode headers of a shiftq event on Kafka, written here and nowhere else: the stage
 * services, reporting and the CLI all call {@link #of}; the Python AIMET worker is checked against the same set
 * by {@code services/aimet-worker/tests/test_events.py} through {@code cloudevents-headers.json}.
 */
public final class CloudEventHeaders {

    /** The source of events the CLI publishes. */
    public static final String CLI_SOURCE = "/shiftq/cli";

    private CloudEventHeaders() {}

    /** The source of events a stage's (or reporting's) service publishes, e.g. {@code /shiftq/final-ptq}. */
    public static String sourceOf(Stage stage) {
        return EventTypes.sourceOf(stage);
    }

    /** The headers of an event produced now: a fresh id, the current time. */
    public static Headers of(ShiftqEvent event, String source) {
        return of(event, source, UUID.randomUUID().toString(), Instant.now());
    }

    /**
     * The headers of an event: spec version, versioned type, id, source, time, subject (the job id), content type.
     *
     * @param id the event's unique id
     * @param time when it was produced, written as {@link Instant#toString()} (ISO-8601, UTC)
     */
    public static Headers of(ShiftqEvent event, String source, String id, Instant time) {
        RecordHeaders headers = new RecordHeaders();
        add(headers, EventTypes.HEADER_SPECVERSION, EventTypes.SPEC_VERSION);
        add(headers, EventTypes.HEADER_TYPE, EventTypes.typeOf(event));
        add(headers, EventTypes.HEADER_ID, id);
        add(headers, EventTypes.HEADER_SOURCE, source);
        add(headers, EventTypes.HEADER_TIME, time.toString());
        add(headers, EventTypes.HEADER_SUBJECT, event.jobId());
        add(headers, EventTypes.HEADER_CONTENT_TYPE, EventTypes.CONTENT_TYPE);
        return headers;
    }

    /** A header's value as text, or null when absent. */
    public static String read(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Every header as name to text, in the order written. */
    public static Map<String, String> asMap(Headers headers) {
        Map<String, String> map = new LinkedHashMap<>();
        for (Header header : headers) {
            map.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return map;
    }

    private static void add(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
