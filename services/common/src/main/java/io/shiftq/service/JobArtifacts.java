package io.shiftq.service;

import io.shiftq.engine.io.WeightFiles;
import io.shiftq.engine.model.StateDict;
import io.shiftq.schema.Json;
import io.shiftq.schema.artifact.ArtifactStore;
import io.shiftq.schema.event.ArtifactRef;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Weights and JSON files of a job in the artifact store. Inside a stage attempt ({@link #beginAttempt}) every name is
 * put under {@code <stage>/<attempt>/}, so a second run of a stage (a redelivery, a replica that took over) never
 * overwrites files that a published event, and so a report, already names with their sha256.
 */
@ApplicationScoped
public class JobArtifacts {

    private final ArtifactStore store;
    /** Nanoseconds spent in artifact reads and writes on this thread since the last {@link #takeIoMillis()}. */
    private final ThreadLocal<long[]> ioNanos = ThreadLocal.withInitial(() -> new long[1]);
    /** The folder of the stage attempt running on this thread, e.g. {@code qat/1f0c9a2e/}, or empty. */
    private final ThreadLocal<String> attempt = ThreadLocal.withInitial(() -> "");

    JobArtifacts(ArtifactStore store) {
        this.store = store;
    }

    /** Starts a stage attempt on this thread: later files go under {@code <stage>/<attempt id>/}. */
    public void beginAttempt(Stage stage) {
        attempt.set(stage.id() + "/" + UUID.randomUUID().toString().substring(0, 8) + "/");
    }

    /** Ends the attempt on this thread. */
    public void endAttempt() {
        attempt.remove();
    }

    /** Stores parameters as {@code <name>.npz}. */
    public ArtifactRef putWeights(String jobId, String name, StateDict weights) {
        return timed(() -> store.put(jobId, attempt.get() + name + ".npz", WeightFiles.toBytes(weights)));
    }

    /** Stores a value as indented JSON in {@code <name>.json}. */
    public ArtifactRef putJson(String jobId, String name, Object value) {
        return timed(() -> store.put(
                jobId, attempt.get() + name + ".json", Json.writePretty(value).getBytes(StandardCharsets.UTF_8)));
    }

    /** Stores files under {@code folder/<file name>} and returns their references by file name, in order. */
    public Map<String, ArtifactRef> putFiles(String jobId, String folder, List<Path> files) {
        Map<String, ArtifactRef> refs = new LinkedHashMap<>();
        for (Path f : files) {
            String name = f.getFileName().toString();
            refs.put(name, timed(() -> store.putFile(jobId, attempt.get() + folder + "/" + name, f)));
        }
        return refs;
    }

    /** Reads the parameters an upstream stage referenced as {@code name}, after checking their SHA-256. */
    public StateDict weights(StageCompleted upstream, String name) {
        ArtifactRef ref = upstream.artifacts().get(name);
        if (ref == null) {
            throw new IllegalArgumentException(
                    "the " + upstream.stage().id() + " event of job " + upstream.jobId() + " has no artifact '" + name
                            + "' (it has " + upstream.artifacts().keySet() + ")");
        }
        return timed(() -> WeightFiles.load(store.resolve(ref)));
    }

    /**
     * Milliseconds this thread spent reading and writing artifacts since the last call, then
     * resets; a stage reports it so the report can say what the pipeline adds to the compute.
     */
    public double takeIoMillis() {
        long[] n = ioNanos.get();
        double ms = n[0] / 1e6;
        n[0] = 0;
        return ms;
    }

    private <T> T timed(Supplier<T> io) {
        long t0 = System.nanoTime();
        try {
            return io.get();
        } finally {
            ioNanos.get()[0] += System.nanoTime() - t0;
        }
    }
}
