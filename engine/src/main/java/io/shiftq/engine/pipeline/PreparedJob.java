package io.shiftq.engine.pipeline;

import io.shiftq.engine.data.DataSplits;
import io.shiftq.engine.data.Datasets;
import io.shiftq.engine.model.BatchNormFolding;
import io.shiftq.engine.model.Models;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.onnx.OnnxImport;
import io.shiftq.engine.quant.QuantPolicy;
import io.shiftq.schema.config.DataConfig;
import io.shiftq.schema.config.QuantizationConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A validated config with its data loaded and its model built: what every stage works on.
 *
 * @param config the job's config
 * @param data train and test images, cut to the configured limits, resized and normalized when {@code data.resize} / {@code data.normalize} say
 * @param network the architecture as trained in FP32 (with BatchNorm)
 * @param onnxWeights the FP32 weights read from {@code model.path}, or null for a model built by name
 */
public record PreparedJob(QuantizationConfig config, DataSplits data, Network network, StateDict onnxWeights) {

    /** Most values a data set held in memory may have after its resize: 2^28 float32 values, 1 GiB. */
    public static final long MAX_IN_MEMORY_VALUES = 1L << 28;

    /** Most FP32 parameters a network may have: 2^28, 1 GiB, so its copies fit a stage's memory. */
    public static final long MAX_PARAMETERS = 1L << 28;

    /**
     * Validates the config, builds the model (by name, or from the ONNX file: unsupported operators are refused here,
     * before any data is read), loads the data set, resizes and normalizes it.
     */
    public static PreparedJob load(QuantizationConfig config) {
        config.validated();
        OnnxImport.Imported imported =
                config.model().usesOnnx() ? importOnnx(config.model().path()) : null;
        DataSplits data = Datasets.load(config.data());
        if (data.train().heldInMemory()) {
            data = inMemoryTransforms(config.data(), data);
        }
        var img = data.train();
        if (imported == null) {
            Network network = Models.create(
                    config.model().name(), config.model().numClasses(), img.channels(), img.height(), img.width());
            requireParametersFit(network, config);
            return checked(new PreparedJob(config, data, network, null));
        }
        Network network = imported.network();
        int[] dataShape = {img.channels(), img.height(), img.width()};
        if (!Arrays.equals(network.inputShape(), dataShape)) {
            throw new IllegalArgumentException("model.path: " + config.model().path() + " reads inputs of shape "
                    + Arrays.toString(network.inputShape()) + ", data.dataset "
                    + config.data().dataset() + " gives "
                    + Arrays.toString(dataShape) + "; set data.resize: [" + network.inputShape()[1] + ", "
                    + network.inputShape()[2] + "] to resize the images");
        }
        if (network.numClasses() != config.model().numClasses()) {
            throw new IllegalArgumentException(
                    "model.num_classes: " + config.model().numClasses() + ", but "
                            + config.model().path() + " has " + network.numClasses() + " logits");
        }
        return checked(new PreparedJob(config, data, network, imported.weights()));
    }

    /**
     * The job, once its hardware target is known to be reachable on its network: every stage loads its job here, so
     * a target no exponent can meet fails the stage before any training, calibration or evaluation.
     */
    private static PreparedJob checked(PreparedJob job) {
        new QuantPolicy(job.config().quantization(), job.config().target()).checkTarget(job.network());
        return job;
    }

    /**
     * The resize and normalization of a data set held in memory, done once for every image (an image folder does them
     * image by image as it decodes).
     */
    private static DataSplits inMemoryTransforms(DataConfig d, DataSplits data) {
        int[] size = d.resizeTo(data.train().height(), data.train().width());
        if (size != null) {
            requireInMemoryFits(data, size);
            data = data.resized(size[0], size[1]);
        }
        DataConfig.Normalize n = d.normalize();
        if (n != null) {
            data = data.normalized(toFloats(n.mean()), toFloats(n.std()));
        }
        return data;
    }

    /**
     * Refuses a resize whose result, every image of both splits held at once, would pass
     * {@link #MAX_IN_MEMORY_VALUES}, before it is computed (Fashion-MNIST's 70,000 images at 4096 x 4096 overflowed
     * the array size).
     */
    private static void requireInMemoryFits(DataSplits data, int[] size) {
        long images = (long) data.train().size() + data.test().size();
        long values = images * data.train().channels() * size[0] * size[1];
        if (values > MAX_IN_MEMORY_VALUES) {
            throw new IllegalArgumentException(
                    "data.resize: " + images + " images of " + data.train().channels()
                            + " x " + size[0] + " x " + size[1] + " held in memory are " + values
                            + " values, above the bound " + MAX_IN_MEMORY_VALUES
                            + " (1 GiB of float32); lower data.resize or set data.train_limit / data.test_limit");
        }
    }

    /**
     * Refuses a network whose FP32 parameters pass {@link #MAX_PARAMETERS}, before any weight is allocated; the last
     * layer grows with {@code model.num_classes}, the first dense layer with the image size.
     */
    private static void requireParametersFit(Network network, QuantizationConfig config) {
        long n = network.parameterCount();
        if (n > MAX_PARAMETERS) {
            throw new IllegalArgumentException("model.num_classes: " + network.name() + " with "
                    + config.model().numClasses() + " classes on " + Arrays.toString(network.inputShape())
                    + " images has " + n + " parameters, above the bound " + MAX_PARAMETERS
                    + " (1 GiB of float32); lower model.num_classes or data.resize");
        }
    }

    /** The architecture after BatchNorm folding: what steps 1 to 3 quantize. */
    public Network foldedNetwork() {
        return BatchNormFolding.fold(network, StateDict.initialize(network, 0)).network();
    }

    private static OnnxImport.Imported importOnnx(String path) {
        Path file = Path.of(path.replaceFirst("^file:", ""));
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("model.path: no such file " + file.toAbsolutePath());
        }
        try {
            return OnnxImport.load(file);
        } catch (IOException e) {
            throw new UncheckedIOException("model.path: " + e.getMessage(), e);
        }
    }

    private static float[] toFloats(java.util.List<Double> v) {
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i).floatValue();
        }
        return out;
    }
}
