package io.shiftq.schema.event;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A file in the artifact store, as events carry it instead of the data itself.
 *
 * @param uri a {@code file:} URI under the store's root
 * @param sha256 lower-case hex SHA-256 of the content, checked by every reader
 * @param bytes the content's length
 */
public record ArtifactRef(
        @JsonProperty(required = true) String uri,
        @JsonProperty(required = true) String sha256,
        @JsonProperty(required = true) long bytes) {}
