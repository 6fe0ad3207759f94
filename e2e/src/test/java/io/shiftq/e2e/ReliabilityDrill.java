package io.shiftq.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.schema.Json;
import io.shiftq.schema.artifact.ArtifactStore;
import io.shiftq.schema.event.ReportPublished;
import io.shiftq.schema.event.StageProgress;
import io.shiftq.schema.event.Topics;
import io.shiftq.schema.report.JobStatus;
import io.shiftq.schema.report.QuantizationReport;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The two slow must-shows, run on purpose rather than in every build ({@code scripts/check/reliability.sh}): a QAT
 * service killed with SIGKILL mid-job and the broker stopped for 40 s mid-job, and 20 jobs at once on two replicas of
 * every stage. Each job must end with one report, one done event per stage, and report hashes that match the files.
 * The broker must be the one {@code scripts/kafka.sh} runs with this environment, since the drill stops and starts it.
 */
class ReliabilityDrill {

    private static final Path WORK = Path.of("target/reliability-drill").toAbsolutePath();
    private static final List<String> DONE_TOPICS =
            List.of(Topics.CALIBRATION_DONE, Topics.PTQ_DONE, Topics.QAT_DONE, Topics.FINAL_PTQ_DONE);

    @Test
    void aKilledQatServiceAndARestartedBrokerStillGiveOneReportAndOneDoneEventPerStage() throws Exception {
        try (PackagedServices services = PackagedServices.start(WORK.resolve("kill"), PackagedServices.ALL);
                TopicTail events = tail(services)) {
            String stamp = Long.toString(System.currentTimeMillis(), 36);
            List<String> jobs = List.of("kill-a-" + stamp, "kill-b-" + stamp);
            for (String job : jobs) {
                submit(services, job, "training: {epochs: 4}\n");
            }
            awaitStage(events, jobs.get(0), "qat");
            Instant killedAt = Instant.now();
            services.kill("qat");
            System.out.println("SIGKILL of qat while " + jobs.get(0) + " trained");
            services.launch("qat");
            services.awaitReady("qat");
            System.out.printf(
                    "qat back after %d s%n",
                    Duration.between(killedAt, Instant.now()).toSeconds());

            awaitStage(events, jobs.get(1), "qat");
            kafka("stop");
            System.out.println("broker stopped while " + jobs.get(1) + " trained; restarting in 40 s");
            TimeUnit.SECONDS.sleep(40);
            kafka("start");

            for (String job : jobs) {
                checkOneResult(services, events, job, Duration.ofMinutes(20));
            }
        }
    }

    @Test
    void twentyJobsAtOnceOnTwoReplicasOfEveryStageEachEndOnce() throws Exception {
        List<String> instances = new ArrayList<>();
        for (String service : PackagedServices.ALL) {
            instances.add(service);
            if (!service.equals("reporting")) {
                instances.add(service + "-2");
            }
        }
        try (PackagedServices services = PackagedServices.start(WORK.resolve("twenty"), instances);
                TopicTail events = tail(services)) {
            String stamp = Long.toString(System.currentTimeMillis(), 36);
            List<String> jobs = IntStream.range(0, 20)
                    .mapToObj(i -> "many-" + stamp + "-" + i)
                    .toList();
            Instant start = Instant.now();
            for (int i = 0; i < jobs.size(); i++) {
                // Weight bitwidths 4..8 differ by job, so a report mixed with another job's config would show.
                submit(
                        services,
                        jobs.get(i),
                        "training: {epochs: 1}\nquantization: {weight: {bitwidth: " + (4 + i % 5) + "}}\n");
            }
            for (int i = 0; i < jobs.size(); i++) {
                QuantizationReport report = checkOneResult(services, events, jobs.get(i), Duration.ofMinutes(30));
                assertThat(report.config().weight().bitwidth()).isEqualTo(4 + i % 5);
            }
            System.out.printf(
                    "20 jobs on two replicas of each stage: all reported once in %d s%n",
                    Duration.between(start, Instant.now()).toSeconds());
        }
    }

    /** One report, one done event per stage, the job's own files, every sha256 matching. */
    private static QuantizationReport checkOneResult(
            PackagedServices services, TopicTail events, String job, Duration within) throws IOException {
        Awaitility.await("report of " + job)
                .atMost(within)
                .pollInterval(Duration.ofSeconds(2))
                .until(() -> !events.of(Topics.REPORTS, job).isEmpty());
        for (String topic : DONE_TOPICS) {
            assertThat(events.of(topic, job)).as(job + " on " + topic).hasSize(1);
        }
        assertThat(events.of(Topics.REPORTS, job)).as(job + " reports").hasSize(1);
        ReportPublished published =
                Json.read(events.of(Topics.REPORTS, job).get(0).value(), ReportPublished.class);
        QuantizationReport report =
                Json.read(Files.readString(Path.of(URI.create(published.report().uri()))), QuantizationReport.class);
        assertThat(report.jobId()).isEqualTo(job);
        assertThat(report.status()).isEqualTo(JobStatus.COMPLETED);
        ArtifactStore store = new ArtifactStore(services.artifacts());
        report.artifacts().forEach((name, ref) -> {
            assertThat(ref.uri()).as(name).contains("/" + job + "/");
            store.resolve(ref); // throws on a sha256 or size mismatch
        });
        System.out.printf(
                "%s: one report, one done event per stage, %d artifacts whose sha256 match%n",
                job, report.artifacts().size());
        return report;
    }

    private static void awaitStage(TopicTail events, String job, String stage) {
        Awaitility.await(job + " in " + stage)
                .atMost(Duration.ofMinutes(10))
                .until(() -> events.of(Topics.PROGRESS, job).stream()
                        .map(s -> Json.read(s.value(), StageProgress.class))
                        .anyMatch(p -> p.stage().id().equals(stage) && p.batch() != null));
    }

    private static void submit(PackagedServices services, String job, String extra) throws IOException {
        Path config = WORK.resolve(job + ".yaml");
        Files.writeString(config, """
                model: {name: LeNet5}
                data: {dataset: Synthetic, train_limit: 1024, test_limit: 256}
                baseline: {epochs: 1, learning_rate: 0.01}
                ptq: {calibration_batches: 4}
                """ + extra);
        assertThat(services.cli("submit", config.toString(), "--job-id", job)).isZero();
    }

    private static TopicTail tail(PackagedServices services) {
        List<String> topics = new ArrayList<>(DONE_TOPICS);
        topics.add(Topics.PROGRESS);
        topics.add(Topics.REPORTS);
        return new TopicTail(services.bootstrap(), topics);
    }

    private static void kafka(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(
                        PackagedServices.root().resolve("scripts/kafka.sh").toString(), command)
                .inheritIO()
                .start();
        assertThat(p.waitFor()).as("scripts/kafka.sh " + command).isZero();
    }
}
