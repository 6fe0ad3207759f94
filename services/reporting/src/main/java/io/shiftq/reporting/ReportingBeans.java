package io.shiftq.reporting;

import io.shiftq.schema.artifact.ArtifactStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.nio.file.Path;

/** The plain objects the service is wired from. */
public class ReportingBeans {

    /** The one board of this process. */
    @Produces
    @ApplicationScoped
    JobBoard board() {
        return new JobBoard();
    }

    /** The shared artifact store. */
    @Produces
    @ApplicationScoped
    ArtifactStore store(ReportingConfig config) {
        return new ArtifactStore(Path.of(config.root()));
    }
}
