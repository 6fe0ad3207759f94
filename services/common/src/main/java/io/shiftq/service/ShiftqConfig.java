package io.shiftq.service;

import io.shiftq.schema.config.Limits;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/** The settings every stage service reads, under {@code shiftq.*}. */
@ConfigMapping(prefix = "shiftq")
public interface ShiftqConfig {

    /** The artifact store. */
    Artifacts artifacts();

    /** Progress events. */
    Progress progress();

    /** PyTorch's thread pools. */
    Torch torch();

    /** Upper bounds on requests. */
    RequestLimits limits();

    /** Where a request's data may be read from. */
    Data data();

    /** Where a request's model files may be read from. */
    Models models();

    /** Cancels from {@code shiftq.control}. */
    Cancel cancel();

    /** How a stage hears of cancelled jobs. */
    interface Cancel {
        /** {@code shiftq.cancel.listen}: read shiftq.control; off only in tests whose channels are in memory. */
        @WithDefault("true")
        boolean listen();

        /**
         * {@code shiftq.cancel.catch-up}: how long the first job waits for the cancels published before this instance
         * started to be read; after that it starts anyway, with a warning.
         */
        @WithDefault("PT60S")
        Duration catchUp();
    }

    /** Directories a request's {@code data.path} must lie in. */
    interface Data {
        /**
         * {@code shiftq.data.roots}: comma-separated; the default is where Debian's dataset packages install
         * (Fashion-MNIST lands in /usr/share/datasets/fashion-mnist).
         */
        @WithDefault("/usr/share/datasets")
        List<Path> roots();
    }

    /** Directories a request's {@code model.weights} must lie in. */
    interface Models {
        /**
         * {@code shiftq.models.roots}: comma-separated; by default only the artifact store, where a client puts
         * the files it uploads (set it to a models volume to allow more).
         */
        @WithDefault("${shiftq.artifacts.root:.shiftq/artifacts}")
        List<Path> roots();
    }

    /** The claim-check store every stage shares. */
    interface Artifacts {
        /** {@code shiftq.artifacts.root}: the shared artifact directory; a relative path is under the working directory. */
        @WithDefault(".shiftq/artifacts")
        Path root();
    }

    /** How often a training stage reports. */
    interface Progress {
        /** {@code shiftq.progress.interval}: least time between two per-batch progress events of a job; epoch ends always go out. */
        @WithDefault("PT0.5S")
        Duration interval();
    }

    /** PyTorch thread counts, set once before the engine starts. */
    interface Torch {
        /** {@code shiftq.torch.intra-op-threads}: threads inside one op; unset = the engine's measured default (min(2, cores)). */
        OptionalInt intraOpThreads();

        /** {@code shiftq.torch.inter-op-threads}: ops run side by side; 1 was fastest here. */
        @WithDefault("1")
        int interOpThreads();
    }

    /**
     * Operator bounds on what a request may ask for ({@link Limits}); each unset key keeps the built-in default,
     * and a key set above the default is held to it, since every reader of an event enforces the default.
     */
    interface RequestLimits {
        /** {@code shiftq.limits.max-epochs}: baseline and QAT epochs each. */
        OptionalInt maxEpochs();

        /** {@code shiftq.limits.max-learning-rate}: baseline and QAT starting rates. */
        OptionalDouble maxLearningRate();

        /** {@code shiftq.limits.max-weight-decay}. */
        OptionalDouble maxWeightDecay();

        /** {@code shiftq.limits.max-eps}: the Adam family's eps. */
        OptionalDouble maxEps();

        /** {@code shiftq.limits.max-batch-size}. */
        OptionalInt maxBatchSize();

        /** {@code shiftq.limits.max-images}: data.train_limit and data.test_limit. */
        OptionalInt maxImages();

        /** {@code shiftq.limits.max-batches}: calibration and evaluation batches. */
        OptionalInt maxBatches();

        /** The bounds a stage enforces. */
        default Limits toLimits() {
            Limits d = Limits.DEFAULT;
            return new Limits(
                            maxEpochs().orElse(d.maxEpochs()),
                            maxLearningRate().orElse(d.maxLearningRate()),
                            maxWeightDecay().orElse(d.maxWeightDecay()),
                            maxEps().orElse(d.maxEps()),
                            maxBatchSize().orElse(d.maxBatchSize()),
                            maxImages().orElse(d.maxImages()),
                            maxBatches().orElse(d.maxBatches()))
                    .capped();
        }
    }
}
