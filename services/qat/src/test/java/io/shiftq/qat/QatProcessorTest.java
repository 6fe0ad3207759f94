package io.shiftq.qat;

import static io.shiftq.service.testing.StageFixtures.completed;
import static io.shiftq.service.testing.StageFixtures.progress;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.messaging.Channels;
import io.shiftq.schema.artifact.ArtifactStore;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.StageProgress;
import io.shiftq.schema.event.StageStatus;
import io.shiftq.service.JobArtifacts;
import io.shiftq.service.JobCancels;
import io.shiftq.service.testing.InMemoryChannels;
import io.shiftq.service.testing.StageFixtures;
import io.smallrye.reactive.messaging.kafka.Record;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySink;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.junit.jupiter.api.Test;

/** The qat stage on the in-memory connector: per-batch and per-epoch progress, checkpoints, SKIPPED with 0 epochs. */
@QuarkusTest
@QuarkusTestResource(
        value = InMemoryChannels.class,
        restrictToAnnotatedClass = true,
        initArgs = {
            @ResourceArg(name = "incoming", value = QatProcessor.PTQ_DONE),
            @ResourceArg(
                    name = "outgoing",
                    value = QatProcessor.DONE + "," + Channels.PROGRESS + "," + Channels.FAILURES)
        })
class QatProcessorTest {

    @Inject
    @Connector("smallrye-in-memory")
    InMemoryConnector connector;

    @Inject
    QuantizationEngine engine;

    @Inject
    JobArtifacts artifacts;

    @Inject
    JobCancels cancels;

    @Inject
    ArtifactStore store;

    @TestHTTPResource("/q/metrics")
    URI metrics;

    @Test
    void twoEpochsReportProgressAndStoreACheckpointPerEpoch() {
        String job = StageFixtures.jobId("qat");
        StageCompleted done = run(job, StageFixtures.config("baseline: {epochs: 0}\ntraining: {epochs: 2}"));

        assertThat(done.stage()).isEqualTo(Stage.QAT);
        assertThat(done.status()).isEqualTo(StageStatus.COMPLETED);
        assertThat(done.epochs()).hasSize(2);
        assertThat(done.accuracy())
                .isEqualTo(done.epochs().stream()
                        .mapToDouble(e -> e.testAccuracy())
                        .max()
                        .orElseThrow());
        assertThat(done.artifacts()).containsOnlyKeys("qat_weights", "qat_epoch_1", "qat_epoch_2");
        assertThat(done.shiftRecords()).hasSize(5);
        var events = progress(connector.sink(Channels.PROGRESS), job);
        assertThat(events)
                .filteredOn(p -> p.batch() != null && p.loss() != null)
                .isNotEmpty();
        assertThat(events)
                .filteredOn(p -> p.message().contains("done"))
                .extracting(StageProgress::epoch)
                .containsExactly(1, 2);
        assertThat(events).allSatisfy(p -> assertThat(p.etaSeconds()).isNotNull());

        // Operators and autoscalers read the same job at /q/metrics.
        String scraped = scrape();
        assertThat(metric(scraped, "shiftq_stage_jobs_total{outcome=\"completed\",stage=\"qat\"}"))
                .isGreaterThanOrEqualTo(1);
        assertThat(metric(scraped, "shiftq_stage_duration_seconds_count{outcome=\"completed\",stage=\"qat\"}"))
                .isGreaterThanOrEqualTo(1);
        // 512 training images in batches of 64 for 2 epochs: 8 steps an epoch, the first of each not timed.
        assertThat(metric(scraped, "shiftq_training_step_seconds_count{stage=\"qat\"}"))
                .isGreaterThanOrEqualTo(14);
        assertThat(metric(scraped, "shiftq_stage_active_jobs{stage=\"qat\"}")).isZero();
        assertThat(metric(scraped, "shiftq_stage_progress_percent{stage=\"qat\"}"))
                .isEqualTo(100);
    }

    private String scrape() {
        try {
            return HttpClient.newHttpClient()
                    .send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + metrics, e);
        }
    }

    /** The value of one series in Prometheus text format. */
    private static double metric(String scraped, String series) {
        return scraped.lines()
                .filter(l -> l.startsWith(series + " "))
                .mapToDouble(
                        l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(series + " is not in /q/metrics:\n"
                        + scraped.lines().filter(l -> l.startsWith("shiftq")).toList()));
    }

    @Test
    void learnedThresholdsAreHandedOnWithWhatTheyCost() {
        String job = StageFixtures.jobId("qat-tqt");
        StageCompleted done =
                run(job, StageFixtures.config("baseline: {epochs: 0}\ntraining: {epochs: 2, thresholds: learned}"));

        assertThat(done.status()).isEqualTo(StageStatus.COMPLETED);
        assertThat(done.artifacts()).containsKeys("qat_weights", "qat_thresholds");
        assertThat(done.metrics()).containsKeys("learned_thresholds_ms", "thresholds_moved");
        assertThat(progress(connector.sink(Channels.PROGRESS), job))
                .filteredOn(p -> p.batch() != null)
                .isNotEmpty();
    }

    @Test
    void zeroEpochsIsSkippedWithTheFoldedWeights() {
        String job = StageFixtures.jobId("qat0");
        StageCompleted done = run(job, StageFixtures.config("baseline: {epochs: 0}\ntraining: {epochs: 0}"));

        assertThat(done.status()).isEqualTo(StageStatus.SKIPPED);
        assertThat(done.epochs()).isEmpty();
        assertThat(done.artifacts()).containsOnlyKeys("qat_weights");
        assertThat(done.shiftRecords()).hasSize(5);
    }

    @Test
    void aCancelMidQatStopsAtTheNextBatchThenTheNextJobRuns() {
        String job = StageFixtures.jobId("qat-cancel");
        InMemorySink<String> done = connector.sink(QatProcessor.DONE);
        send(ptqDone(job, StageFixtures.config("baseline: {epochs: 0}\ntraining: {epochs: 50}")));
        await().atMost(Duration.ofSeconds(60))
                .until(() -> progress(connector.sink(Channels.PROGRESS), job).stream()
                        .anyMatch(p -> p.batch() != null));

        long cancelledAt = System.nanoTime();
        cancels.cancel(job);
        await().atMost(Duration.ofSeconds(5)).until(() -> !completed(done, job).isEmpty());
        long stopMillis = (System.nanoTime() - cancelledAt) / 1_000_000;
        System.out.printf("QAT stopped %d ms after the cancel%n", stopMillis);
        assertThat(completed(done, job)).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(StageStatus.CANCELLED);
            assertThat(c.artifacts()).isEmpty();
        });

        // The partition is free: the next job runs to the end.
        StageCompleted next = run(
                StageFixtures.jobId("qat-after"), StageFixtures.config("baseline: {epochs: 0}\ntraining: {epochs: 1}"));
        assertThat(next.status()).isEqualTo(StageStatus.COMPLETED);
    }

    @Test
    void aRedeliveredInputIsAnsweredFromTheRecordedResultNotRunAgain() {
        String job = StageFixtures.jobId("qat-again");
        StageCompleted ptq = ptqDone(job, StageFixtures.config("baseline: {epochs: 0}\ntraining: {epochs: 1}"));
        InMemorySink<String> done = connector.sink(QatProcessor.DONE);
        send(ptq);
        await().atMost(Duration.ofSeconds(90)).until(() -> !completed(done, job).isEmpty());
        StageCompleted first = completed(done, job).get(0);
        // The files sit under qat/<attempt>/, so no later attempt can overwrite what this event names.
        assertThat(first.artifacts().get("qat_weights").uri()).containsPattern("/qat/[0-9a-f]{8}/qat_weights\\.npz$");

        // Redelivered twice (a broker restart, a rebalance), and then a job behind it, to know both were handled.
        send(ptq);
        send(ptq);
        StageCompleted next = run(
                StageFixtures.jobId("qat-behind"),
                StageFixtures.config("baseline: {epochs: 0}\ntraining: {epochs: 0}"));
        assertThat(next.status()).isEqualTo(StageStatus.SKIPPED);
        assertThat(completed(done, job)).containsExactly(first);
        first.artifacts().values().forEach(ref -> assertThat(store.read(ref)).isNotEmpty());
    }

    private StageCompleted run(String job, QuantizationConfig config) {
        InMemorySink<String> done = connector.sink(QatProcessor.DONE);
        send(ptqDone(job, config));
        await().atMost(Duration.ofSeconds(90)).until(() -> !completed(done, job).isEmpty());
        return completed(done, job).get(0);
    }

    private StageCompleted ptqDone(String job, QuantizationConfig config) {
        return StageFixtures.ptqDone(engine, artifacts, StageFixtures.calibrated(engine, artifacts, job, config));
    }

    private void send(StageCompleted ptq) {
        connector.<Record<String, String>>source(QatProcessor.PTQ_DONE).send(StageFixtures.record(ptq));
    }
}
