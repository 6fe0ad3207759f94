package io.shiftq.schema.event;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The stages of a job, in pipeline order; JSON names are lower snake case, e.g. {@code final_ptq}. */
public enum Stage {
    /** FP32 baseline (loaded or trained) and activation statistics. */
    CALIBRATION(Topics.CALIBRATION_DONE, EventTypes.CALIBRATION_COMPLETED),
    /** The ptq stage: power-of-two weights and biases. */
    PTQ(Topics.PTQ_DONE, EventTypes.PTQ_COMPLETED),
    /** The qat stage: weight-only quantization-aware training. */
    QAT(Topics.QAT_DONE, EventTypes.QAT_COMPLETED),
    /** The final_ptq stage: input and output shifts, the final shift records. */
    FINAL_PTQ(Topics.FINAL_PTQ_DONE, EventTypes.FINAL_PTQ_COMPLETED),
    /** The report, published as ReportPublished. */
    REPORTING(Topics.REPORTS, EventTypes.REPORT_PUBLISHED);

    /** The four stages that compute, in order: a job's report waits for a completion of each. */
    public static final List<Stage> PIPELINE = List.of(CALIBRATION, PTQ, QAT, FINAL_PTQ);

    private final String doneTopic;
    private final String completedType;

    Stage(String doneTopic, String completedType) {
        this.doneTopic = doneTopic;
        this.completedType = completedType;
    }

    /** The topic this stage's completion event goes to. */
    public String doneTopic() {
        return doneTopic;
    }

    /** The CloudEvents type of this stage's completion event. */
    public String completedType() {
        return completedType;
    }

    /** The JSON name, e.g. {@code final_ptq}. */
    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The stage with this JSON name (upper case accepted too). */
    @JsonCreator
    public static Stage fromId(String id) {
        for (Stage stage : values()) {
            if (stage.id().equalsIgnoreCase(id)) {
                return stage;
            }
        }
        throw new IllegalArgumentException("stage '" + id + "' is not one of "
                + Arrays.stream(values()).map(Stage::id).collect(Collectors.joining(", ")));
    }
}
