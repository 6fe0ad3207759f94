package io.shiftq.schema.event;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The Kafka topic names of the event flow (docs/architecture.md, "Event flow"); every record is keyed by job_id. */
public final class Topics {

    /** QuantizationRequested, from the CLI or any client. */
    public static final String REQUESTS = "shiftq.requests";
    /** StageCompleted of the calibration stage (FP32 accuracy, activation statistics). */
    public static final String CALIBRATION_DONE = "shiftq.calibration.done";
    /** StageCompleted of the ptq stage, PTQ of weights and biases. */
    public static final String PTQ_DONE = "shiftq.ptq.done";
    /** StageCompleted of the qat stage, weight-only QAT. */
    public static final String QAT_DONE = "shiftq.qat.done";
    /** StageCompleted of the final_ptq stage, final PTQ of inputs and outputs. */
    public static final String FINAL_PTQ_DONE = "shiftq.final-ptq.done";
    /** StageProgress from every stage. */
    public static final String PROGRESS = "shiftq.progress";
    /** StageFailed from every stage, including input it could not read. */
    public static final String FAILURES = "shiftq.failures";
    /** ReportPublished from the reporting service. */
    public static final String REPORTS = "shiftq.reports";

    /**
     * CancelRequested from the CLI or any client, read by every instance of every stage. Compacted: the latest cancel
     * of each job stays, so an instance that starts later still knows which queued jobs not to run.
     */
    public static final String CONTROL = "shiftq.control";

    /** Records a stage could not even report as failed (the channels' dead-letter queue). */
    public static final String DEAD_LETTERS = "shiftq.dead-letters";

    /** Every topic, in pipeline order, e.g. for creating them up front. */
    public static final List<String> ALL = List.of(
            REQUESTS,
            CALIBRATION_DONE,
            PTQ_DONE,
            QAT_DONE,
            FINAL_PTQ_DONE,
            PROGRESS,
            FAILURES,
            REPORTS,
            DEAD_LETTERS,
            CONTROL);

    private Topics() {}

    /**
     * Each topic by its short key, e.g. {@code calibration-done} for {@code shiftq.calibration.done}: the services'
     * configuration refers to topics as {@code ${shiftq-topic.<key>}} (shared-schema's generated
     * {@code META-INF/microprofile-config.properties}), so no topic name is written twice.
     */
    public static Map<String, String> byKey() {
        Map<String, String> keys = new LinkedHashMap<>();
        for (String topic : ALL) {
            keys.put(topic.substring("shiftq.".length()).replace('.', '-'), topic);
        }
        return keys;
    }

    /** The topic an event is published to. */
    public static String of(ShiftqEvent event) {
        if (event instanceof QuantizationRequested) {
            return REQUESTS;
        } else if (event instanceof StageCompleted completed) {
            return completed.stage().doneTopic();
        } else if (event instanceof StageProgress) {
            return PROGRESS;
        } else if (event instanceof StageFailed) {
            return FAILURES;
        } else if (event instanceof ReportPublished) {
            return REPORTS;
        } else if (event instanceof CancelRequested) {
            return CONTROL;
        }
        throw new IllegalArgumentException("no topic for " + event.getClass().getName());
    }
}
