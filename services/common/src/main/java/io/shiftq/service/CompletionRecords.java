package io.shiftq.service;

import io.shiftq.schema.Json;
import io.shiftq.schema.artifact.ArtifactStore;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.ArtifactRef;
import io.shiftq.schema.event.QuantizationRequested;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The completion each stage recorded per job, in the artifact store as {@code <stage>.done.json}: a redelivered input
 * (same config, same input artifact hashes) finds it and the stage does not compute again; of two attempts racing to
 * record, one wins and only its event is published.
 */
@ApplicationScoped
public class CompletionRecords {

    /**
     * A stage's result for one input.
     *
     * @param inputKey SHA-256 over the input's config, upstream status and upstream artifact hashes
     * @param sent true once the broker acknowledged the completion event
     */
    public record Recorded(String inputKey, boolean sent, StageCompleted completed) {}

    private final ArtifactStore store;

    CompletionRecords(ArtifactStore store) {
        this.store = store;
    }

    /** What identifies a stage's input: its config and, after the first stage, the upstream status and file hashes. */
    public static String inputKey(ShiftqEvent input) {
        StringBuilder key = new StringBuilder(Json.write(configOf(input)));
        if (input instanceof StageCompleted upstream) {
            key.append('\n').append(upstream.status().id());
            upstream.artifacts()
                    .forEach((name, ref) ->
                            key.append('\n').append(name).append('=').append(ref.sha256()));
        }
        return ArtifactStore.sha256(key.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The config a stage's input carries. */
    static QuantizationConfig configOf(ShiftqEvent event) {
        if (event instanceof QuantizationRequested request) {
            return request.config();
        }
        if (event instanceof StageCompleted completed) {
            return completed.config();
        }
        throw new IllegalArgumentException("a stage reads a request or a stage completion, not " + event);
    }

    /** The result this stage recorded for the job, if any. */
    public Optional<Recorded> find(String jobId, Stage stage) {
        Path file = store.jobDir(jobId).resolve(name(stage));
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.read(Files.readAllBytes(file), Recorded.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * Records a completion unless one for the same input is there already.
     *
     * @return the recorded result: this one, or the one another attempt recorded first
     */
    public Recorded claim(String inputKey, StageCompleted completed) {
        Recorded kept = record(inputKey, completed);
        pruneAttempts(kept.completed());
        return kept;
    }

    private Recorded record(String inputKey, StageCompleted completed) {
        Recorded mine = new Recorded(inputKey, false, completed);
        if (store.putIfAbsent(completed.jobId(), name(completed.stage()), bytes(mine)) != null) {
            return mine;
        }
        Optional<Recorded> theirs = find(completed.jobId(), completed.stage());
        if (theirs.isPresent() && theirs.get().inputKey().equals(inputKey)) {
            return theirs.get();
        }
        // The recorded result is for another input (the upstream stage ran again with other files): this one replaces
        // it.
        store.put(completed.jobId(), name(completed.stage()), bytes(mine));
        return mine;
    }

    /**
     * Removes the stage's attempt folders ({@code <stage>/<attempt>/}) that the recorded completion names no file in:
     * a killed attempt's leftovers, the loser of a race, an attempt superseded by a rerun. Nothing downstream can
     * reach them: events and reports name files of the recorded completion only.
     */
    private void pruneAttempts(StageCompleted kept) {
        Path stageDir = store.jobDir(kept.jobId()).resolve(kept.stage().id());
        if (!Files.isDirectory(stageDir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Set<String> named = new HashSet<>();
        for (ArtifactRef ref : kept.artifacts().values()) {
            Path file = Path.of(URI.create(ref.uri())).normalize();
            if (file.startsWith(stageDir) && stageDir.relativize(file).getNameCount() > 1) {
                named.add(stageDir.relativize(file).getName(0).toString());
            }
        }
        try (Stream<Path> attempts = Files.list(stageDir)) {
            for (Path attempt : attempts.toList()) {
                String name = attempt.getFileName().toString();
                if (!named.contains(name) && Files.isDirectory(attempt, LinkOption.NOFOLLOW_LINKS)) {
                    store.delete(kept.jobId(), kept.stage().id() + "/" + name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + stageDir, e);
        }
    }

    /** Notes that the broker has the recorded completion, so a redelivery neither computes nor publishes again. */
    public void markSent(Recorded recorded) {
        Recorded sent = new Recorded(recorded.inputKey(), true, recorded.completed());
        store.put(recorded.completed().jobId(), name(recorded.completed().stage()), bytes(sent));
    }

    private static String name(Stage stage) {
        return stage.id() + ".done.json";
    }

    private static byte[] bytes(Recorded recorded) {
        return Json.writePretty(recorded).getBytes(StandardCharsets.UTF_8);
    }
}
