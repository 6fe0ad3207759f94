package io.shiftq.schema.event;

/**
 * CloudEvents metadata for shiftq events (Kafka binary mode: {@code ce_*} headers, JSON body).
 * A type carries its version; an incompatible change gets a new type, not a silent field change.
 */
public final class EventTypes {

    /** The schema_version every event of this code carries. */
    public static final String SCHEMA_VERSION = "1";
    /** The CloudEvents spec version the headers follow. */
    public static final String SPEC_VERSION = "1.0";
    /** The content type of every event body. */
    public static final String CONTENT_TYPE = "application/json";

    /** Header: CloudEvents spec version. */
    public static final String HEADER_SPECVERSION = "ce_specversion";
    /** Header: event type, one of the constants below. */
    public static final String HEADER_TYPE = "ce_type";
    /** Header: unique event id. */
    public static final String HEADER_ID = "ce_id";
    /** Header: the service that produced the event, e.g. {@code /shiftq/ptq}. */
    public static final String HEADER_SOURCE = "ce_source";
    /** Header: when the event was produced, ISO-8601. */
    public static final String HEADER_TIME = "ce_time";
    /** Header: the job id. */
    public static final String HEADER_SUBJECT = "ce_subject";
    /** Header: the body's content type. */
    public static final String HEADER_CONTENT_TYPE = "content-type";

    /** QuantizationRequested. */
    public static final String QUANTIZATION_REQUESTED = "io.shiftq.quantization.requested.v1";
    /** StageCompleted of {@link Stage#CALIBRATION}. */
    public static final String CALIBRATION_COMPLETED = "io.shiftq.calibration.completed.v1";
    /** StageCompleted of {@link Stage#PTQ}. */
    public static final String PTQ_COMPLETED = "io.shiftq.ptq.completed.v1";
    /** StageCompleted of {@link Stage#QAT}. */
    public static final String QAT_COMPLETED = "io.shiftq.qat.completed.v1";
    /** StageCompleted of {@link Stage#FINAL_PTQ}. */
    public static final String FINAL_PTQ_COMPLETED = "io.shiftq.final-ptq.completed.v1";
    /** StageProgress. */
    public static final String STAGE_PROGRESS = "io.shiftq.stage.progress.v1";
    /** StageFailed. */
    public static final String STAGE_FAILED = "io.shiftq.stage.failed.v1";
    /** ReportPublished. */
    public static final String REPORT_PUBLISHED = "io.shiftq.report.published.v1";

    /** CancelRequested. */
    public static final String CANCEL_REQUESTED = "io.shiftq.job.cancel-requested.v1";

    private EventTypes() {}

    /** The type of a stage's completion event. */
    public static String typeOf(Stage stage) {
        return stage.completedType();
    }

    /** The type of an event, for the {@code ce_type} header. */
    public static String typeOf(ShiftqEvent event) {
        if (event instanceof QuantizationRequested) {
            return QUANTIZATION_REQUESTED;
        } else if (event instanceof StageCompleted completed) {
            return typeOf(completed.stage());
        } else if (event instanceof StageProgress) {
            return STAGE_PROGRESS;
        } else if (event instanceof StageFailed) {
            return STAGE_FAILED;
        } else if (event instanceof ReportPublished) {
            return REPORT_PUBLISHED;
        } else if (event instanceof CancelRequested) {
            return CANCEL_REQUESTED;
        }
        throw new IllegalArgumentException(
                "no event type for " + event.getClass().getName());
    }

    /** The source URI reference of a stage's service, e.g. {@code /shiftq/final-ptq}. */
    public static String sourceOf(Stage stage) {
        return "/shiftq/" + stage.id().replace('_', '-');
    }
}
