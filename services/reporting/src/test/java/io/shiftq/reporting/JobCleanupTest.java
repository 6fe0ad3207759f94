package io.shiftq.reporting;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.schema.artifact.ArtifactStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deleting a job and the retention policy, on a real artifact store in a temporary directory. */
class JobCleanupTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @TempDir
    Path tmp;

    private final JobBoard board = new JobBoard();

    private ArtifactStore store() {
        return new ArtifactStore(tmp);
    }

    private JobCleanup cleanup(ArtifactStore store) {
        return new JobCleanup(board, store, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    /** A failed (finished) job with one file of the given size, every file dated daysAgo before NOW. */
    private void finished(ArtifactStore store, String job, int bytes, int daysAgo) throws IOException {
        board.onRequest(Events.request(job));
        board.onFailure(Events.failure(job));
        files(store, job, bytes, daysAgo);
    }

    private static void files(ArtifactStore store, String job, int bytes, int daysAgo) throws IOException {
        store.put(job, "qat/1f0c9a2e/model.npz", new byte[bytes]);
        FileTime t = FileTime.from(NOW.minus(Duration.ofDays(daysAgo)));
        try (Stream<Path> all = Files.walk(store.root().resolve(job))) {
            for (Path p : all.toList()) {
                Files.setLastModifiedTime(p, t);
            }
        }
    }

    @Test
    void deleteRefusesUnknownAndActiveJobsAndRemovesEveryFileOfAFinishedOne() throws IOException {
        ArtifactStore store = store();
        JobCleanup cleanup = cleanup(store);
        finished(store, "job-done", 100, 1);
        store.put("job-done", "ptq/2b2b2b2b/model.npz", new byte[50]);
        board.onRequest(Events.request("job-queued"));

        assertThat(cleanup.delete("no-such-job", false)).isEqualTo(JobCleanup.Outcome.UNKNOWN);
        assertThat(cleanup.delete("../etc", false)).isEqualTo(JobCleanup.Outcome.UNKNOWN);
        assertThat(cleanup.delete("job-queued", false)).isEqualTo(JobCleanup.Outcome.ACTIVE);
        assertThat(cleanup.delete("job-done", false)).isEqualTo(JobCleanup.Outcome.DELETED);

        assertThat(store.usage("job-done").bytes())
                .as("only the marker is left")
                .isLessThan(200);
        assertThat(tmp.resolve("job-done/qat")).doesNotExist();
        assertThat(tmp.resolve("job-done/ptq")).doesNotExist();
        assertThat(board.jobs()).extracting(JobView::jobId).containsExactly("job-queued");
        assertThat(cleanup.delete("job-done", false)).as("twice").isEqualTo(JobCleanup.Outcome.UNKNOWN);
        // Events read again (a replay, a late stage) do not bring it back, and make no report.
        board.onRequest(Events.request("job-done"));
        assertThat(board.onStageCompleted(Events.finalPtq("job-done"))).isEmpty();
        assertThat(board.job("job-done")).isEmpty();

        assertThat(cleanup.delete("job-queued", true)).as("forced").isEqualTo(JobCleanup.Outcome.DELETED);
    }

    @Test
    void aRestartedServiceHidesTheJobsDeletedBefore() throws IOException {
        ArtifactStore store = store();
        finished(store, "job-gone", 10, 1);
        cleanup(store).delete("job-gone", false);

        JobBoard restarted = new JobBoard();
        new JobCleanup(restarted, store, Clock.fixed(NOW, ZoneOffset.UTC)).restore();
        restarted.onRequest(Events.request("job-gone"));
        restarted.onRequest(Events.request("job-kept"));
        assertThat(restarted.jobs()).extracting(JobView::jobId).containsExactly("job-kept");
    }

    @Test
    void retentionByAgeRemovesOldFinishedJobsAndOrphansButNeverARunningOne() throws IOException {
        ArtifactStore store = store();
        finished(store, "job-old", 10, 40);
        finished(store, "job-new", 10, 2);
        board.onRequest(Events.request("job-running"));
        board.onStageCompleted(Events.calibration("job-running"));
        files(store, "job-running", 10, 45);
        files(store, "job-orphan", 10, 31); // its events are past the topics' retention

        var removed = cleanup(store).enforce(new JobCleanup.Policy(Duration.ofDays(30), 0));

        assertThat(removed).containsExactly("job-old", "job-orphan");
        assertThat(board.jobs()).extracting(JobView::jobId).containsExactly("job-new", "job-running");
        assertThat(store.usage("job-running").bytes()).isEqualTo(10);
    }

    @Test
    void retentionBySizeRemovesTheOldestFinishedJobsUntilTheStoreFits() throws IOException {
        ArtifactStore store = store();
        finished(store, "job-a", 1000, 5);
        finished(store, "job-b", 1000, 4);
        finished(store, "job-c", 1000, 3);
        board.onRequest(Events.request("job-d"));
        board.onStageCompleted(Events.calibration("job-d"));
        files(store, "job-d", 1000, 9);

        var removed = cleanup(store).enforce(new JobCleanup.Policy(Duration.ZERO, 2500));

        // 4000 bytes: job-a and job-b go (oldest finished first); job-d runs and stays although it is the oldest.
        assertThat(removed).containsExactly("job-a", "job-b");
        assertThat(board.jobs()).extracting(JobView::jobId).containsExactly("job-c", "job-d");
    }

    @Test
    void aMarkerGoesOnceTheTopicsCannotHoldTheJobsEventsAnyMore() throws IOException {
        ArtifactStore store = store();
        finished(store, "job-x", 10, 1);
        JobCleanup cleanup = cleanup(store);
        cleanup.delete("job-x", false);
        Files.setLastModifiedTime(
                tmp.resolve("job-x").resolve(JobCleanup.MARKER), FileTime.from(NOW.minus(Duration.ofDays(36))));
        cleanup.enforce(new JobCleanup.Policy(Duration.ofDays(30), 0));
        assertThat(tmp.resolve("job-x")).as("30 + 7 days not reached").exists();

        Files.setLastModifiedTime(
                tmp.resolve("job-x").resolve(JobCleanup.MARKER), FileTime.from(NOW.minus(Duration.ofDays(38))));
        cleanup.enforce(new JobCleanup.Policy(Duration.ofDays(30), 0));
        assertThat(tmp.resolve("job-x")).doesNotExist();
        assertThat(store.jobIds()).isEmpty();
    }
}
