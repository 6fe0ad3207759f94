package io.shiftq.reporting;

import io.shiftq.schema.artifact.ArtifactStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.nio.file.Path;
import java.time.Clock;

/** The plain objects the service is wired from. */
public class ReportingBeans {

    /** The one board of this process, hiding the jobs deleted before it started (before any event is read). */
    @Produces
    @ApplicationScoped
    JobBoard board(ArtifactStore store) {
        JobBoard board = new JobBoard();
        new JobCleanup(board, store, Clock.systemUTC()).restore();
        return board;
    }

    /** Deletes jobs on request and by the retention policy. */
    @Produces
    @ApplicationScoped
    JobCleanup cleanup(JobBoard board, ArtifactStore store) {
        return new JobCleanup(board, store, Clock.systemUTC());
    }

    /** The shared artifact store. */
    @Produces
    @ApplicationScoped
    ArtifactStore store(ReportingConfig config) {
        return new ArtifactStore(Path.of(config.root()));
    }
}
