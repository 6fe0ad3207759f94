package io.shiftq.engine.pipeline;

import io.shiftq.engine.data.DataSplits;
import io.shiftq.engine.data.Datasets;
import io.shiftq.engine.model.BatchNormFolding;
import io.shiftq.engine.model.Models;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.schema.config.QuantizationConfig;

/**
 * A validated config with its data loaded and its model built: what every step works on.
 *
 * @param config the job's config
 * @param data train and test images, cut to the configured limits
 * @param network the architecture as trained in FP32 (with BatchNorm)
 */
public record PreparedJob(QuantizationConfig config, DataSplits data, Network network) {

    /** Validates the config, loads the data set and builds the model. */
    public static PreparedJob load(QuantizationConfig config) {
        config.validated();
        DataSplits data = Datasets.load(config.data().dataset(), config.data().path())
                .limit(config.data().trainLimit(), config.data().testLimit());
        var img = data.train();
        Network network = Models.create(
                config.model().name(), config.model().numClasses(), img.channels(), img.height(), img.width());
        return new PreparedJob(config, data, network);
    }

    /** The architecture after BatchNorm folding: what steps 1 to 3 quantize. */
    public Network foldedNetwork() {
        return BatchNormFolding.fold(network, StateDict.initialize(network, 0)).network();
    }
}
