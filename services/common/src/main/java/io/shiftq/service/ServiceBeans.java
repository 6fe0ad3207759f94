package io.shiftq.service;

import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.schema.artifact.ArtifactStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Produces the shared artifact store and the quantization engine from {@link ShiftqConfig}. */
@ApplicationScoped
public class ServiceBeans {

    /** The claim-check store at {@code shiftq.artifacts.root}. */
    @Produces
    @Singleton
    ArtifactStore artifactStore(ShiftqConfig config) {
        return new ArtifactStore(config.artifacts().root().toAbsolutePath());
    }

    /** The engine, started offline with the configured PyTorch thread counts. */
    @Produces
    @Singleton
    QuantizationEngine engine(ShiftqConfig config) {
        // EngineSetup reads these once, before DJL loads libtorch.
        config.torch().intraOpThreads().ifPresent(n -> System.setProperty("SHIFTQ_INTRA_OP_THREADS", String.valueOf(n)));
        System.setProperty("SHIFTQ_INTER_OP_THREADS", String.valueOf(config.torch().interOpThreads()));
        return new QuantizationEngine();
    }
}
