package io.shiftq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.schema.event.ArtifactRef;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.ReportPublished;
import io.shiftq.schema.event.ReportSummary;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageProgress;
import io.shiftq.schema.report.JobStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void aBadConfigPrintsEveryProblemAndExits2WithoutTouchingKafka(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "model:\n  name: VGGSmall\n  colour: blue\ntraining:\n  epochs: -1\n");

        // An unreachable broker: validation must fail before any connection is tried.
        int code = run("--bootstrap", "127.0.0.1:1", "submit", config.toString());

        assertThat(code).isEqualTo(Main.USAGE);
        assertThat(err()).contains("is not a valid config").contains("model.colour: unknown key");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aMissingConfigFileIsAProblemToo(@TempDir Path dir) {
        assertThat(run("submit", dir.resolve("none.yaml").toString())).isEqualTo(Main.USAGE);
        assertThat(err()).contains("cannot read");
    }

    @Test
    void anUnknownVariantOrCommandIsUsage(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("ok.yaml");
        Files.writeString(config, "model:\n  name: LeNet5\n");

        assertThat(run("submit", config.toString(), "--variant", "tflite")).isEqualTo(Main.USAGE);
        assertThat(err()).contains("variant 'tflite' is not one of custom, aimet");
        assertThat(run("frobnicate")).isEqualTo(Main.USAGE);
        assertThat(run()).isEqualTo(Main.USAGE);
        assertThat(run("watch")).isEqualTo(Main.USAGE);
    }

    @Test
    void cancelWithoutAValidJobIdOrVariantIsUsageWithoutTouchingKafka() {
        assertThat(run("cancel")).isEqualTo(Main.USAGE);
        assertThat(run("--bootstrap", "127.0.0.1:1", "cancel", "../etc")).isEqualTo(Main.USAGE);
        assertThat(err()).contains("job id '../etc' must match");
        assertThat(run("--bootstrap", "127.0.0.1:1", "cancel", "job-1", "--variant", "tflite"))
                .isEqualTo(Main.USAGE);
        assertThat(err()).contains("variant 'tflite' is not one of custom, aimet");
    }

    @Test
    void cancelAndDeleteAskTheReportingServiceFirstAndSayWhenItCannotBeReached() {
        assertThat(run("--reporting", "http://127.0.0.1:1", "--bootstrap", "127.0.0.1:1", "cancel", "job-1"))
                .isEqualTo(Main.JOB_FAILED);
        assertThat(err()).contains("cannot reach the reporting service at http://127.0.0.1:1", "--force");
        assertThat(run("--reporting", "http://127.0.0.1:1", "delete", "job-1")).isEqualTo(Main.JOB_FAILED);
        assertThat(run("--reporting", "http://127.0.0.1:1", "delete", "../etc")).isEqualTo(Main.USAGE);
        assertThat(err()).contains("job id '../etc' must match");
    }

    @Test
    void clientPropertiesFromKafkaConfigReachTheKafkaClient(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("ok.yaml");
        Files.writeString(config, "model:\n  name: LeNet5\n");
        Path client = dir.resolve("client.properties");
        // Kafka's own client validates this before any connection: it shows the file's settings were applied.
        Files.writeString(client, "security.protocol=NOT_A_PROTOCOL\n");

        int code = run("--bootstrap", "127.0.0.1:1", "--kafka-config", client.toString(), "submit", config.toString());

        assertThat(code).isEqualTo(Main.USAGE);
        assertThat(err())
                .contains("Kafka client settings")
                .contains("security.protocol")
                .contains("NOT_A_PROTOCOL");
    }

    @Test
    void anUnreadableKafkaConfigIsUsageNamingTheOption(@TempDir Path dir) {
        assertThat(run("--kafka-config", dir.resolve("none.properties").toString(), "watch", "job-1"))
                .isEqualTo(Main.USAGE);
        assertThat(err()).contains("--kafka-config: cannot read");
    }

    @Test
    void aCancelledJobsReportLineSaysCancelled() {
        ReportPublished cancelled = new ReportPublished(
                EventTypes.SCHEMA_VERSION,
                "job-1",
                ShiftqEvent.CUSTOM,
                new ArtifactRef("file:///tmp/job-1/report.json", "00", 1),
                new ReportSummary(90.0, 88.5, null, null, 5, 1000, JobStatus.CANCELLED),
                Instant.now());
        assertThat(EventLines.summary(cancelled, "/tmp/job-1/report.json"))
                .contains("(cancelled: shiftq cancel stopped the job")
                .contains("QAT best (qat stage)     -");
    }

    @Test
    void aProgressLineShowsABar() {
        StageProgress p = new StageProgress(
                "1", "j", ShiftqEvent.CUSTOM, Stage.QAT, 50, 1, 2, 47, 94, 0.4123, 85.5, 12.0, null, null);

        assertThat(EventLines.progress(p))
                .isEqualTo(
                        "qat         [##########..........]  50.0% epoch 1/2 batch 47/94 loss 0.4123 acc 85.50% eta 12s");
    }

    private int run(String... args) {
        return Main.run(
                args,
                Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
