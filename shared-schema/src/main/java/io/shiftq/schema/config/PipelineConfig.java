package io.shiftq.schema.config;

/**
 * Which optional steps run.
 *
 * @param finalPtq the final_ptq stage; false is the seed's {@code --no-final_ptq} (weight-only result)
 */
public record PipelineConfig(boolean finalPtq) {

    /** All three quantization stages. */
    public static PipelineConfig defaults() {
        return new PipelineConfig(true);
    }
}
