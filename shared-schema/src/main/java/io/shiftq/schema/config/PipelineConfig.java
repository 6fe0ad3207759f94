package io.shiftq.schema.config;

/**
 * Which optional steps run.
 *
 * @param finalPtq step 3; false is the seed's {@code --no-final_ptq} (weight-only result)
 */
public record PipelineConfig(boolean finalPtq) {

    /** All three steps. */
    public static PipelineConfig defaults() {
        return new PipelineConfig(true);
    }
}
