package io.shiftq.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.shiftq.schema.Json;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The headers {@link CloudEventHeaders} writes equal, name for name and in order, the shared fixture
 * {@code cloudevents-headers.json} that the Python AIMET worker's tests check their own headers against.
 */
class CloudEventHeadersFixtureTest {

    @Test
    void everyFixtureCaseGetsExactlyItsHeadersInOrder() throws IOException {
        List<JsonNode> cases = fixtureCases();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(3);
        for (JsonNode c : cases) {
            Map<String, String> expected = texts(c.get("headers"));
            ShiftqEvent event = event(c);
            Map<String, String> written = CloudEventHeaders.asMap(CloudEventHeaders.of(
                    event,
                    expected.get(EventTypes.HEADER_SOURCE),
                    expected.get(EventTypes.HEADER_ID),
                    Instant.parse(expected.get(EventTypes.HEADER_TIME))));
            assertThat(written).as(c.get("class").asText()).containsExactlyEntriesOf(expected);
        }
    }

    @Test
    void aStageServiceNamesItselfAndTheJobInTheHeaders() throws IOException {
        ShiftqEvent event = event(fixtureCases().get(0));
        Map<String, String> written =
                CloudEventHeaders.asMap(CloudEventHeaders.of(event, CloudEventHeaders.sourceOf(Stage.FINAL_PTQ)));
        assertThat(written)
                .containsEntry(EventTypes.HEADER_SOURCE, "/shiftq/final-ptq")
                .containsEntry(EventTypes.HEADER_SUBJECT, event.jobId())
                .containsEntry(EventTypes.HEADER_TYPE, EventTypes.PTQ_COMPLETED);
        assertThat(Instant.parse(written.get(EventTypes.HEADER_TIME))).isBeforeOrEqualTo(Instant.now());
    }

    @Test
    void theCliRecordGoesToTheEventsTopicKeyedByJobWithTheSameHeaders() throws IOException {
        ShiftqEvent event = event(fixtureCases().get(1));
        var record = KafkaClients.record(event, Json.write(event));
        assertThat(record.topic()).isEqualTo("shiftq.progress");
        assertThat(record.key()).isEqualTo(event.jobId());
        assertThat(CloudEventHeaders.asMap(record.headers()).keySet())
                .containsExactly(
                        EventTypes.HEADER_SPECVERSION,
                        EventTypes.HEADER_TYPE,
                        EventTypes.HEADER_ID,
                        EventTypes.HEADER_SOURCE,
                        EventTypes.HEADER_TIME,
                        EventTypes.HEADER_SUBJECT,
                        EventTypes.HEADER_CONTENT_TYPE);
        assertThat(CloudEventHeaders.read(record.headers(), EventTypes.HEADER_SOURCE))
                .isEqualTo(CloudEventHeaders.CLI_SOURCE);
    }

    private static List<JsonNode> fixtureCases() throws IOException {
        try (InputStream in = CloudEventHeadersFixtureTest.class.getResourceAsStream("/cloudevents-headers.json")) {
            assertThat(in).as("cloudevents-headers.json on the test classpath").isNotNull();
            JsonNode root = Json.mapper().readTree(in);
            return List.copyOf(root.get("cases").findParents("class").stream()
                    .filter(n -> n.has("event"))
                    .toList());
        }
    }

    private static ShiftqEvent event(JsonNode c) {
        String className = "io.shiftq.schema.event." + c.get("class").asText();
        try {
            Class<? extends ShiftqEvent> type = Class.forName(className).asSubclass(ShiftqEvent.class);
            return Json.read(c.get("event").toString(), type);
        } catch (ClassNotFoundException e) {
            throw new AssertionError("fixture names an unknown event class " + className, e);
        }
    }

    private static Map<String, String> texts(JsonNode object) {
        Map<String, String> map = new LinkedHashMap<>();
        object.fields().forEachRemaining(f -> map.put(f.getKey(), f.getValue().asText()));
        return map;
    }
}
