package io.shiftq.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.schema.artifact.ArtifactStore;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.ArtifactRef;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.StageStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recorded completion of a stage keeps its own attempt folder and removes every other one. */
class CompletionRecordsTest {

    @TempDir
    Path tmp;

    @Test
    void recordingAStagesResultRemovesTheAttemptFoldersItDoesNotName() {
        ArtifactStore store = new ArtifactStore(tmp);
        CompletionRecords results = new CompletionRecords(store);
        store.put("job-1", "qat/0000dead/qat_model.npz", new byte[10]);
        ArtifactRef first = store.put("job-1", "qat/1f0c9a2e/qat_model.npz", new byte[20]);
        ArtifactRef other = store.put("job-1", "ptq/2a2a2a2a/ptq_model.npz", new byte[5]);

        CompletionRecords.Recorded kept = results.claim("key-1", completion(first));
        assertThat(kept.completed().artifacts()).containsValue(first);
        assertThat(store.resolve(first)).exists();
        assertThat(tmp.resolve("job-1/qat/0000dead")).doesNotExist();
        assertThat(store.resolve(other)).as("another stage's attempt").exists();

        // A rerun for another input replaces the record; the first attempt goes with it.
        ArtifactRef rerun = store.put("job-1", "qat/3b3b3b3b/qat_model.npz", new byte[30]);
        results.claim("key-2", completion(rerun));
        assertThat(tmp.resolve("job-1/qat/1f0c9a2e")).doesNotExist();
        assertThat(store.resolve(rerun)).exists();
        assertThat(results.find("job-1", Stage.QAT).orElseThrow().inputKey()).isEqualTo("key-2");
    }

    private static StageCompleted completion(ArtifactRef model) {
        Instant t = Instant.parse("2026-01-01T12:00:00Z");
        return new StageCompleted(
                EventTypes.SCHEMA_VERSION,
                "job-1",
                ShiftqEvent.CUSTOM,
                Stage.QAT,
                StageStatus.COMPLETED,
                t,
                t.plusSeconds(5),
                QuantizationConfig.defaults(),
                90.0,
                Map.of(),
                List.of(),
                List.of(),
                Map.of("qat_model", model));
    }
}
