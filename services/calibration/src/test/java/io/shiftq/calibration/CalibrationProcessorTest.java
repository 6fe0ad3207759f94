package io.shiftq.calibration;

import static io.shiftq.service.testing.StageFixtures.completed;
import static io.shiftq.service.testing.StageFixtures.failed;
import static io.shiftq.service.testing.StageFixtures.progress;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.shiftq.engine.quant.ActivationSummary;
import io.shiftq.messaging.Channels;
import io.shiftq.messaging.EventRecords;
import io.shiftq.schema.Json;
import io.shiftq.schema.artifact.ArtifactStore;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.StageFailed;
import io.shiftq.service.testing.InMemoryChannels;
import io.shiftq.service.testing.StageFixtures;
import io.smallrye.reactive.messaging.kafka.Record;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySink;
import io.smallrye.reactive.messaging.memory.InMemorySource;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Calibration's logic on the in-memory connector: a LeNet5 job on synthetic data, bad input, other variants. */
@QuarkusTest
@QuarkusTestResource(
        value = InMemoryChannels.class,
        restrictToAnnotatedClass = true,
        initArgs = {
            @ResourceArg(name = "incoming", value = CalibrationProcessor.REQUESTS),
            @ResourceArg(
                    name = "outgoing",
                    value = CalibrationProcessor.DONE + "," + Channels.PROGRESS + "," + Channels.FAILURES)
        })
class CalibrationProcessorTest {

    private static final Duration JOB = Duration.ofSeconds(60);

    @Inject
    @Connector("smallrye-in-memory")
    InMemoryConnector connector;

    @Inject
    ArtifactStore store;

    private InMemorySource<Record<String, String>> requests;
    private InMemorySink<String> done;
    private InMemorySink<String> progress;
    private InMemorySink<String> failures;

    @BeforeEach
    void channels() {
        requests = connector.source(CalibrationProcessor.REQUESTS);
        done = connector.sink(CalibrationProcessor.DONE);
        progress = connector.sink(Channels.PROGRESS);
        failures = connector.sink(Channels.FAILURES);
    }

    @Test
    void requestTrainsBaselineAndStoresWeightsAndActivationStats() {
        String job = StageFixtures.jobId("cal");
        requests.send(StageFixtures.request(job, ShiftqEvent.CUSTOM, StageFixtures.config("")));

        await().atMost(JOB).until(() -> !completed(done, job).isEmpty());
        StageCompleted c = completed(done, job).get(0);
        assertThat(c.stage()).isEqualTo(Stage.CALIBRATION);
        assertThat(c.accuracy()).isBetween(10.0, 100.0);
        assertThat(c.epochs()).hasSize(1);
        assertThat(c.config().model().name()).isEqualTo("LeNet5");
        assertThat(c.artifacts()).containsOnlyKeys("fp32_weights", "activation_stats");
        ActivationSummary stats = Json.read(store.read(c.artifacts().get("activation_stats")), ActivationSummary.class);
        assertThat(stats.tensors()).isNotEmpty().allSatisfy((name, t) -> {
            assertThat(t.count()).isPositive();
            assertThat(t.max()).isGreaterThanOrEqualTo(t.min());
        });
        assertThat(store.read(c.artifacts().get("fp32_weights"))).isNotEmpty();
        assertThat(progress(progress, job))
                .isNotEmpty()
                .anySatisfy(p -> assertThat(p.epoch()).isEqualTo(1));

        Message<String> record = done.received().stream()
                .filter(m -> m.getPayload().contains(job))
                .findFirst()
                .orElseThrow();
        OutgoingKafkaRecordMetadata<?> meta =
                record.getMetadata(OutgoingKafkaRecordMetadata.class).orElseThrow();
        assertThat(meta.getKey()).isEqualTo(job);
        assertThat(EventRecords.header(meta.getHeaders(), EventTypes.HEADER_TYPE))
                .isEqualTo(EventTypes.CALIBRATION_COMPLETED);
    }

    @Test
    void badBitwidthFailsNamingTheFieldAndTheNextRequestStillRuns() {
        String bad = StageFixtures.jobId("bad");
        String json = StageFixtures.request(bad, ShiftqEvent.CUSTOM, StageFixtures.config(""))
                .value()
                .replace("\"weight\":{\"bitwidth\":8", "\"weight\":{\"bitwidth\":40");
        assertThat(json).contains("\"bitwidth\":40");
        requests.send(Record.of(bad, json));
        String good = StageFixtures.jobId("good");
        requests.send(StageFixtures.request(good, ShiftqEvent.CUSTOM, StageFixtures.config("baseline: {epochs: 0}")));

        await().atMost(Duration.ofSeconds(10))
                .until(() -> !failed(failures, bad).isEmpty());
        StageFailed f = failed(failures, bad).get(0);
        assertThat(f.reason()).contains("quantization.weight.bitwidth").contains("40");
        assertThat(f.problems()).anySatisfy(p -> assertThat(p).contains("quantization.weight.bitwidth"));
        assertThat(f.sourceTopic()).isEqualTo("shiftq.requests");
        await().atMost(JOB).until(() -> !completed(done, good).isEmpty());
        assertThat(completed(done, bad)).isEmpty();
    }

    @Test
    void aRequestOverTheOperatorsLimitFailsBeforeAnyWork() {
        // application.properties sets %test.shiftq.limits.max-epochs=50 for this service under test.
        String job = StageFixtures.jobId("limit");
        requests.send(StageFixtures.request(job, ShiftqEvent.CUSTOM, StageFixtures.config("baseline: {epochs: 51}")));

        await().atMost(Duration.ofSeconds(10))
                .until(() -> !failed(failures, job).isEmpty());
        assertThat(failed(failures, job).get(0).problems())
                .containsExactly("baseline.epochs: 51 is above the limit 50 (shiftq.limits)");
        assertThat(completed(done, job)).isEmpty();
    }

    @Test
    void unreadableInputFailsAndOtherVariantsAreLeftAlone() {
        requests.send(Record.of("broken-1", "{not json"));
        String aimet = StageFixtures.jobId("aimet");
        requests.send(StageFixtures.request(aimet, ShiftqEvent.AIMET, StageFixtures.config("")));

        await().atMost(Duration.ofSeconds(10))
                .until(() -> !failed(failures, "broken-1").isEmpty());
        StageFailed f = failed(failures, "broken-1").get(0);
        assertThat(f.reason()).startsWith("unreadable input on shiftq.requests: not JSON");
        assertThat(f.payloadExcerpt()).isEqualTo("{not json");
        assertThat(completed(done, aimet)).isEmpty();
        assertThat(failed(failures, aimet)).isEmpty();
    }
}
