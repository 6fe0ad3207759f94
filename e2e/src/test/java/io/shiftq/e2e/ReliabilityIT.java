package io.shiftq.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.shiftq.cli.Main;
import io.shiftq.schema.Json;
import io.shiftq.schema.event.ReportPublished;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.StageFailed;
import io.shiftq.schema.event.StageProgress;
import io.shiftq.schema.event.StageStatus;
import io.shiftq.schema.event.Topics;
import io.shiftq.schema.report.JobStatus;
import io.shiftq.schema.report.QuantizationReport;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Reliability against the packaged services and a real broker: a corpus of bad requests is answered field by field
 * while the services keep serving, and a job cancelled mid-QAT stops within seconds, is reported cancelled, and frees
 * its partition for the job queued behind it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReliabilityIT {

    private static final Path WORK = RunningServices.WORK.resolve("reliability");
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);
    /** Small and real: one FP32 epoch and one QAT epoch on 512 synthetic images, about half a minute. */
    private static final String SMALL_JOB = """
            model: {name: LeNet5}
            data: {dataset: Synthetic, train_limit: 512, test_limit: 256}
            baseline: {epochs: 1, learning_rate: 0.01}
            training: {epochs: 1}
            ptq: {calibration_batches: 4}
            """;
    /** A QAT that would run for many minutes: 100 epochs on 2,048 images. */
    private static final String LONG_QAT_JOB = """
            model: {name: LeNet5}
            data: {dataset: Synthetic, train_limit: 2048, test_limit: 256}
            baseline: {epochs: 0}
            training: {epochs: 100}
            ptq: {calibration_batches: 4, max_eval_batches: 2}
            """;

    private static PackagedServices services;
    private static TopicTail events;

    @BeforeAll
    static void startServices() throws IOException {
        // The services every end-to-end class shares: a second set in the same consumer groups would take half the
        // partitions with an artifact store of its own (the drill, which kills instances, starts its own set alone).
        services = RunningServices.get();
        Files.createDirectories(WORK);
        events = new TopicTail(
                services.bootstrap(),
                List.of(
                        Topics.FAILURES,
                        Topics.CALIBRATION_DONE,
                        Topics.PTQ_DONE,
                        Topics.QAT_DONE,
                        Topics.FINAL_PTQ_DONE,
                        Topics.PROGRESS,
                        Topics.REPORTS));
    }

    @AfterAll
    static void stopServices() {
        events.close();
    }

    @Test
    @Order(1)
    void everyBadRequestGetsAStageFailedNamingTheFieldWithinFiveSecondsAndAGoodJobStillRuns() throws Exception {
        String run = "bad-" + Long.toString(System.currentTimeMillis(), 36);
        List<JsonNode> corpus = new ArrayList<>();
        for (String line : Files.readAllLines(resource("/bad-requests.jsonl"), StandardCharsets.UTF_8)) {
            corpus.add(Json.mapper().readTree(line));
        }
        assertThat(corpus).hasSizeGreaterThanOrEqualTo(40);
        Map<String, Instant> sentAt = new LinkedHashMap<>();
        try (KafkaProducer<String, String> producer = producer()) {
            for (int i = 0; i < corpus.size(); i++) {
                String job = run + "-" + i;
                String payload = corpus.get(i).get("payload").asText().replace("@JOB@", job);
                producer.send(new ProducerRecord<>(Topics.REQUESTS, job, payload))
                        .get();
                sentAt.put(job, Instant.now());
            }
        }
        String good = submit("good-after-" + run, SMALL_JOB);

        Awaitility.await("a StageFailed for each of the " + corpus.size() + " bad requests")
                .atMost(Duration.ofSeconds(60))
                .until(() -> sentAt.keySet().stream()
                        .allMatch(job -> !events.of(Topics.FAILURES, job).isEmpty()));
        long slowest = 0;
        for (int i = 0; i < corpus.size(); i++) {
            String job = run + "-" + i;
            TopicTail.Seen seen = events.of(Topics.FAILURES, job).get(0);
            StageFailed failure = Json.read(seen.value(), StageFailed.class);
            String said = failure.reason() + " " + failure.problems();
            String name = corpus.get(i).get("name").asText();
            long millis = Duration.between(sentAt.get(job), seen.seenAt()).toMillis();
            slowest = Math.max(slowest, millis);
            System.out.printf("bad request %-32s answered in %5d ms: %s%n", name, millis, excerpt(said));
            assertThat(said).as(name).contains(corpus.get(i).get("expect").asText());
            assertThat(Duration.ofMillis(millis)).as(name).isLessThan(ANSWER_WITHIN);
            assertThat(events.of(Topics.CALIBRATION_DONE, job))
                    .as(name + " never runs")
                    .isEmpty();
        }
        System.out.printf(
                "%d bad requests, each answered by a StageFailed naming the field; slowest %d ms%n",
                corpus.size(), slowest);

        QuantizationReport report = awaitReport(good, Duration.ofMinutes(10));
        assertThat(report.status()).isEqualTo(JobStatus.COMPLETED);
        assertOneDoneEventPerStageAndOneReport(good);
    }

    @Test
    @Order(2)
    void aJobCancelledMidQatStopsWithinFiveSecondsIsReportedCancelledAndTheNextJobOnItsPartitionRuns()
            throws Exception {
        String stamp = Long.toString(System.currentTimeMillis(), 36);
        String cancelled = "cancel-" + stamp;
        String next = behindOnTheSamePartition(cancelled, "next-" + stamp);
        submit(cancelled, LONG_QAT_JOB);
        submit(next, SMALL_JOB);

        Awaitility.await(cancelled + " training in QAT")
                .atMost(Duration.ofMinutes(5))
                .until(() -> events.of(Topics.PROGRESS, cancelled).stream()
                        .map(s -> Json.read(s.value(), StageProgress.class))
                        .anyMatch(p -> p.stage().id().equals("qat") && p.batch() != null));
        Instant cancelAt = Instant.now();
        assertThat(services.cli("cancel", cancelled, "--reason", "ReliabilityIT"))
                .isEqualTo(Main.OK);
        Awaitility.await(cancelled + " QAT stopped")
                .atMost(Duration.ofSeconds(30))
                .until(() -> !events.of(Topics.QAT_DONE, cancelled).isEmpty());
        TopicTail.Seen qatDone = events.of(Topics.QAT_DONE, cancelled).get(0);
        long stopMillis = Duration.between(cancelAt, qatDone.seenAt()).toMillis();
        System.out.printf("QAT of %s stopped %d ms after `shiftq cancel`%n", cancelled, stopMillis);
        assertThat(Json.read(qatDone.value(), StageCompleted.class).status()).isEqualTo(StageStatus.CANCELLED);
        assertThat(Duration.ofMillis(stopMillis)).isLessThan(ANSWER_WITHIN);

        QuantizationReport report = awaitReport(cancelled, Duration.ofMinutes(2));
        assertThat(report.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(report.cancelledStage().id()).isEqualTo("qat");
        assertThat(report.ptqAccuracy()).isNotNull();
        assertThat(report.finalAccuracy()).isNull();
        JsonNode job = Json.mapper()
                .readTree(services.get("reporting", "/jobs/" + cancelled).body());
        assertThat(job.get("state").asText()).isEqualTo("CANCELLED");
        assertThat(services.cli("cancel", cancelled))
                .as("cancel of an ended job")
                .isEqualTo(Main.JOB_ENDED);
        assertThat(services.cli("cancel", "never-submitted-" + stamp))
                .as("cancel of an unknown job")
                .isEqualTo(Main.UNKNOWN_JOB);

        // The job queued behind it on the same QAT partition runs to its report.
        QuantizationReport after = awaitReport(next, Duration.ofMinutes(10));
        assertThat(after.status()).isEqualTo(JobStatus.COMPLETED);
        Instant nextQatStart = Json.read(events.of(Topics.QAT_DONE, next).get(0).value(), StageCompleted.class)
                .startedAt();
        System.out.printf(
                "%s (same partition) started QAT %d ms after the cancel%n",
                next, Duration.between(cancelAt, nextQatStart).toMillis());
        assertOneDoneEventPerStageAndOneReport(cancelled);
        assertOneDoneEventPerStageAndOneReport(next);

        // Delete: every attempt folder and the report go; the job leaves the list; a second delete knows none.
        assertThat(services.cli("delete", cancelled)).isEqualTo(Main.OK);
        try (var left = Files.list(services.artifacts().resolve(cancelled))) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("deleted.json");
        }
        assertThat(services.get("reporting", "/jobs/" + cancelled).statusCode()).isEqualTo(404);
        assertThat(services.cli("delete", cancelled)).isEqualTo(Main.UNKNOWN_JOB);
    }

    /** A job id whose records land on the same partition as {@code first}'s (keys are hashed as Kafka does). */
    private static String behindOnTheSamePartition(String first, String prefix) {
        int partitions = 2;
        int target = partitionOf(first, partitions);
        for (int i = 0; ; i++) {
            String candidate = prefix + "-" + i;
            if (partitionOf(candidate, partitions) == target) {
                return candidate;
            }
        }
    }

    private static int partitionOf(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private static void assertOneDoneEventPerStageAndOneReport(String job) {
        for (String topic : List.of(Topics.CALIBRATION_DONE, Topics.PTQ_DONE, Topics.QAT_DONE, Topics.FINAL_PTQ_DONE)) {
            assertThat(events.of(topic, job)).as(job + " on " + topic).hasSize(1);
        }
        assertThat(events.of(Topics.REPORTS, job)).as(job + " reports").hasSize(1);
    }

    private static QuantizationReport awaitReport(String job, Duration within) throws IOException {
        Awaitility.await("report of " + job)
                .atMost(within)
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> !events.of(Topics.REPORTS, job).isEmpty());
        ReportPublished published =
                Json.read(events.of(Topics.REPORTS, job).get(0).value(), ReportPublished.class);
        return Json.read(
                Files.readString(Path.of(java.net.URI.create(published.report().uri()))), QuantizationReport.class);
    }

    private static String submit(String job, String yaml) throws IOException {
        Path config = WORK.resolve(job + ".yaml");
        Files.writeString(config, yaml);
        assertThat(services.cli("submit", config.toString(), "--job-id", job)).isEqualTo(Main.OK);
        return job;
    }

    private static KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, services.bootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()));
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(ReliabilityIT.class.getResource(name).toURI());
    }

    private static String excerpt(String text) {
        String line = text.replace('\n', ' ');
        return line.length() <= 150 ? line : line.substring(0, 150) + "...";
    }
}
