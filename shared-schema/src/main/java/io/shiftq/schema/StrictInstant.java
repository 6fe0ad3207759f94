package io.shiftq.schema;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * Reads a timestamp only from ISO-8601 text with an offset ({@code 2026-01-01T12:00:00Z}). Jackson's own reader took
 * {@code ""} as no timestamp and a bare number as epoch seconds, so {@code requested_at: ""} and {@code requested_at: 7}
 * were accepted; JSON null still means absent.
 */
final class StrictInstant extends StdDeserializer<Instant> {

    StrictInstant() {
        super(Instant.class);
    }

    @Override
    public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        String text = p.currentToken() == JsonToken.VALUE_STRING ? p.getText().trim() : "";
        try {
            if (!text.isEmpty()) {
                return OffsetDateTime.parse(text).toInstant();
            }
        } catch (DateTimeParseException e) {
            // Falls through to the message below, which names the expected form.
        }
        throw InvalidFormatException.from(
                p,
                "expected an ISO-8601 timestamp with an offset, e.g. 2026-01-01T12:00:00Z, got " + p.getText(),
                p.getText(),
                Instant.class);
    }
}
