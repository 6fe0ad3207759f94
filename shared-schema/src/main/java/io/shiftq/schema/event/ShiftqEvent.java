package io.shiftq.schema.event;

import java.util.List;

/** The envelope every shiftq event carries, so readers can check it before acting. */
public interface ShiftqEvent {

    /** The Java pipeline's variant. */
    String CUSTOM = "custom";
    /** The Python AIMET worker's variant. */
    String AIMET = "aimet";
    /** Every variant a job can have. */
    List<String> VARIANTS = List.of(CUSTOM, AIMET);

    /** The event schema version, {@link EventTypes#SCHEMA_VERSION} for this code. */
    String schemaVersion();

    /** The job this event belongs to; also the Kafka record key. */
    String jobId();

    /** Which implementation runs the job: {@link #CUSTOM} or {@link #AIMET}. */
    String variant();
}
