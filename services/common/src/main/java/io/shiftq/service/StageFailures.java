package io.shiftq.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.shiftq.schema.Json;
import io.shiftq.schema.config.ConfigException;
import io.shiftq.schema.event.EventReadException;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.JobIds;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageFailed;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns whatever went wrong with one input into a {@link StageFailed} a person can act on: an invalid config
 * lists every problem (field, bad value, allowed values), unreadable input says what was wrong with it, any
 * other error names the stage and the chain of causes.
 */
public final class StageFailures {

    private StageFailures() {}

    /**
     * The failure event for an input record.
     *
     * @param recordKey the Kafka key, used as the job id when the payload does not name a valid one
     * @param sourceTopic the topic the input came from
     * @param payload the input's JSON text
     */
    public static StageFailed of(Stage stage, Throwable error, String recordKey, String sourceTopic, String payload) {
        Envelope envelope = Envelope.of(recordKey, payload);
        ConfigException config = find(error, ConfigException.class);
        if (config != null) {
            return failed(
                    envelope,
                    stage,
                    "invalid config on " + sourceTopic + ": " + String.join("; ", config.problems())
                            + " (fix these keys and submit the request again)",
                    config.problems(),
                    sourceTopic,
                    payload);
        }
        EventReadException unreadable = find(error, EventReadException.class);
        if (unreadable != null) {
            return failed(
                    envelope,
                    stage,
                    "unreadable input on " + sourceTopic + ": " + unreadable.getMessage(),
                    List.of(unreadable.getMessage()),
                    sourceTopic,
                    payload);
        }
        List<String> causes = causes(error);
        return failed(envelope, stage, stage.id() + " failed: " + causes.get(0), causes, sourceTopic, payload);
    }

    private static StageFailed failed(
            Envelope e, Stage stage, String reason, List<String> problems, String topic, String payload) {
        return new StageFailed(
                EventTypes.SCHEMA_VERSION,
                e.jobId(),
                e.variant(),
                stage,
                reason,
                problems,
                topic,
                Json.excerpt(payload),
                Instant.now());
    }

    /** Each cause's message, outermost first, without repeats. */
    static List<String> causes(Throwable error) {
        List<String> out = new ArrayList<>();
        for (Throwable t = error; t != null && out.size() < 5; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            // A wrapper often repeats its cause's message; keep each message once.
            if (message == null || out.stream().noneMatch(line -> line.contains(message))) {
                out.add(
                        message == null
                                ? t.getClass().getSimpleName()
                                : t.getClass().getSimpleName() + ": " + message);
            }
        }
        return out;
    }

    private static <T extends Throwable> T find(Throwable error, Class<T> type) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** The job id and variant as far as they can be told from an input that may not be readable. */
    private record Envelope(String jobId, String variant) {
        static Envelope of(String recordKey, String payload) {
            String jobId = null;
            String variant = null;
            try {
                JsonNode tree = payload == null ? null : Json.mapper().readTree(payload);
                if (tree != null && tree.isObject()) {
                    jobId = tree.path("job_id").asText(null);
                    variant = tree.path("variant").asText(null);
                }
            } catch (Exception notJson) {
                // The payload is not JSON: the record key is all there is.
            }
            if (!JobIds.isValid(jobId)) {
                jobId = JobIds.isValid(recordKey) ? recordKey : StageFailed.UNKNOWN_JOB;
            }
            return new Envelope(
                    jobId, variant != null && ShiftqEvent.VARIANTS.contains(variant) ? variant : ShiftqEvent.CUSTOM);
        }
    }
}
