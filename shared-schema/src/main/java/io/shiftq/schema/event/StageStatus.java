package io.shiftq.schema.event;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * How a stage ended: it ran, it had nothing to do (QAT with 0 epochs, final PTQ turned off), or its job was
 * cancelled (shiftq cancel) before or while it ran.
 */
public enum StageStatus {
    /** The stage ran. */
    COMPLETED,
    /** The stage was configured away, and still reports so every job ends the same way. */
    SKIPPED,
    /** The job was cancelled: the stage stopped (or never started) and passes the cancel on downstream. */
    CANCELLED;

    /** The JSON name, e.g. {@code skipped}. */
    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The status with this JSON name (upper case accepted too). */
    @JsonCreator
    public static StageStatus fromId(String id) {
        for (StageStatus status : values()) {
            if (status.id().equalsIgnoreCase(id)) {
                return status;
            }
        }
        throw new IllegalArgumentException("status '" + id + "' is not one of completed, skipped, cancelled");
    }
}
