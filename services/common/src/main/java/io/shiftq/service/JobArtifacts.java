package io.shiftq.service;

import io.shiftq.engine.io.WeightFiles;
import io.shiftq.engine.model.StateDict;
import io.shiftq.schema.Json;
import io.shiftq.schema.artifact.ArtifactStore;
import io.shiftq.schema.event.ArtifactRef;
import io.shiftq.schema.event.StageCompleted;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;

/** Weights and JSON files of a job in the artifact store; names are fixed per job, so a re-run overwrites. */
@ApplicationScoped
public class JobArtifacts {

    private final ArtifactStore store;

    JobArtifacts(ArtifactStore store) {
        this.store = store;
    }

    /** Stores parameters as {@code .npz}. */
    public ArtifactRef putWeights(String jobId, String name, StateDict weights) {
        return store.put(jobId, name, WeightFiles.toBytes(weights));
    }

    /** Stores a value as indented JSON. */
    public ArtifactRef putJson(String jobId, String name, Object value) {
        return store.put(jobId, name, Json.writePretty(value).getBytes(StandardCharsets.UTF_8));
    }

    /** Stores files under {@code folder/<file name>} and returns their references by file name, in order. */
    public java.util.Map<String, ArtifactRef> putFiles(String jobId, String folder, java.util.List<java.nio.file.Path> files) {
        java.util.Map<String, ArtifactRef> refs = new java.util.LinkedHashMap<>();
        for (java.nio.file.Path f : files) {
            String name = f.getFileName().toString();
            refs.put(name, store.putFile(jobId, folder + "/" + name, f));
        }
        return refs;
    }

    /** Reads the parameters an upstream stage referenced as {@code name}, after checking their SHA-256. */
    public StateDict weights(StageCompleted upstream, String name) {
        ArtifactRef ref = upstream.artifacts().get(name);
        if (ref == null) {
            throw new IllegalArgumentException("the " + upstream.stage().id() + " event of job " + upstream.jobId()
                    + " has no artifact '" + name + "' (it has " + upstream.artifacts().keySet() + ")");
        }
        return WeightFiles.load(store.resolve(ref));
    }
}
