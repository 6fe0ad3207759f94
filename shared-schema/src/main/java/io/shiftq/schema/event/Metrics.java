package io.shiftq.schema.event;

/** Names of the numbers in a completion's {@code metrics}; the report and the tests read them by these names. */
public final class Metrics {
    /** Calibration: FP32 accuracy, percent. */
    public static final String FP32_ACCURACY = "fp32_accuracy";
    /** QAT: the epoch (1-based) whose weights were kept. */
    public static final String BEST_EPOCH = "best_epoch";
    /** Final PTQ: parameter bytes at float32. */
    public static final String FLOAT32_BYTES = "float32_bytes";
    /** Final PTQ: parameter bytes after quantization. */
    public static final String QUANTIZED_BYTES = "quantized_bytes";
    /** Final PTQ: float32 bytes over quantized bytes. */
    public static final String COMPRESSION = "compression";
    /** PTQ: milliseconds spent learning the weights' rounding ({@code ptq.rounding: learned}). */
    public static final String LEARNED_ROUNDING_MS = "learned_rounding_ms";
    /**
     * QAT: milliseconds spent on learned thresholds ({@code training.thresholds: learned}) beyond weight-only QAT's
     * work: the calibration they start from and their optimizer updates (their share of each forward and backward
     * pass is in the stage's time, not here).
     */
    public static final String LEARNED_THRESHOLDS_MS = "learned_thresholds_ms";
    /** QAT: how many input and output quantizers had their exponent moved by learned thresholds. */
    public static final String THRESHOLDS_MOVED = "thresholds_moved";
    /** Every stage: milliseconds spent reading and writing artifacts. */
    public static final String ARTIFACT_IO_MS = "artifact_io_ms";

    private Metrics() {}
}
