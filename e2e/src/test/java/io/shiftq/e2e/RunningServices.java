package io.shiftq.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The five packaged services ({@link PackagedServices}) started once per test JVM and shared by the end-to-end test
 * classes that only submit jobs (starting them takes most of a minute on two cores); stopped when the JVM exits.
 * Tests that kill or add instances start their own.
 */
final class RunningServices {
    static final Path ROOT = PackagedServices.root();
    static final Path WORK = Path.of("target/e2e").toAbsolutePath();
    static final Path ARTIFACTS = WORK.resolve("artifacts");

    private static PackagedServices running;

    private RunningServices() {}

    /** The services, started on the first call. */
    static synchronized PackagedServices get() {
        if (running == null) {
            try {
                running = PackagedServices.start(WORK, PackagedServices.ALL);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(running::close));
        }
        return running;
    }
}
