package io.shiftq.service;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
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
}
