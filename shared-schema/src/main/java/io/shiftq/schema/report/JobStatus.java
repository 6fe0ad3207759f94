package io.shiftq.schema.report;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a reported job ended: every stage ran (or was skipped), or the job was cancelled on the way. */
public enum JobStatus {
    /** Every stage completed or was configured away. */
    COMPLETED,
    /** A {@code shiftq cancel} stopped the job; the report holds what the stages before the cancel measured. */
    CANCELLED;

    /** The JSON name, e.g. {@code cancelled}. */
    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The status with this JSON name (upper case accepted too). */
    @JsonCreator
    public static JobStatus fromId(String id) {
        for (JobStatus status : values()) {
            if (status.id().equalsIgnoreCase(id)) {
                return status;
            }
        }
        throw new IllegalArgumentException("job status '" + id + "' is not one of completed, cancelled");
    }
}
