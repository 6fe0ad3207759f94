package io.shiftq.reporting;

import io.shiftq.schema.config.QuantizationConfig;
import java.nio.file.Path;

/**
 * What a job was asked to do, as the job list shows it: the model, the data set and the bitwidth of each tensor
 * role.
 *
 * @param model the architecture's name, or the ONNX file's name for an imported model
 * @param qatEpochs QAT epochs asked for (0 skips QAT)
 */
public record JobSetup(
        String model,
        String dataset,
        int weightBits,
        int biasBits,
        int inputBits,
        int outputBits,
        boolean perChannel,
        int qatEpochs) {

    /** The setup of a config, or null when no event of the job has carried one yet. */
    public static JobSetup of(QuantizationConfig config) {
        if (config == null) {
            return null;
        }
        var q = config.quantization();
        String model = config.model().usesOnnx()
                ? Path.of(config.model().path()).getFileName().toString()
                : config.model().name();
        return new JobSetup(
                model,
                config.data().dataset(),
                q.weight().bitwidth(),
                q.bias().bitwidth(),
                q.input().bitwidth(),
                q.output().bitwidth(),
                q.weight().perChannel(),
                config.training().epochs());
    }
}
