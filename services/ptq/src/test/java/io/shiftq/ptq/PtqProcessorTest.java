package io.shiftq.ptq;

import static io.shiftq.service.testing.StageFixtures.completed;
import static io.shiftq.service.testing.StageFixtures.failed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.messaging.Channels;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.StageFailed;
import io.shiftq.schema.report.ShiftRecord;
import io.shiftq.service.JobArtifacts;
import io.shiftq.service.testing.InMemoryChannels;
import io.shiftq.service.testing.StageFixtures;
import io.smallrye.reactive.messaging.kafka.Record;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySink;
import io.smallrye.reactive.messaging.memory.InMemorySource;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.junit.jupiter.api.Test;

/** The ptq stage on the in-memory connector: a calibrated LeNet5 job gets weight shifts, PTQ accuracy and folded weights. */
@QuarkusTest
@QuarkusTestResource(
        value = InMemoryChannels.class,
        restrictToAnnotatedClass = true,
        initArgs = {
            @ResourceArg(name = "incoming", value = PtqProcessor.CALIBRATED),
            @ResourceArg(
                    name = "outgoing",
                    value = PtqProcessor.DONE + "," + Channels.PROGRESS + "," + Channels.FAILURES)
        })
class PtqProcessorTest {

    @Inject
    @Connector("smallrye-in-memory")
    InMemoryConnector connector;

    @Inject
    QuantizationEngine engine;

    @Inject
    JobArtifacts artifacts;

    @Test
    void calibratedJobGetsWeightShiftsAndFoldedWeights() {
        String job = StageFixtures.jobId("ptq");
        StageCompleted calibrated =
                StageFixtures.calibrated(engine, artifacts, job, StageFixtures.config("baseline: {epochs: 0}"));
        InMemorySource<Record<String, String>> in = connector.source(PtqProcessor.CALIBRATED);
        InMemorySink<String> done = connector.sink(PtqProcessor.DONE);
        in.send(StageFixtures.record(calibrated));

        await().atMost(Duration.ofSeconds(60)).until(() -> !completed(done, job).isEmpty());
        StageCompleted ptq = completed(done, job).get(0);
        assertThat(ptq.stage()).isEqualTo(Stage.PTQ);
        assertThat(ptq.accuracy()).isBetween(0.0, 100.0);
        assertThat(ptq.config()).isEqualTo(calibrated.config());
        assertThat(ptq.shiftRecords())
                .extracting(ShiftRecord::layer)
                .containsExactly("features.0", "features.3", "classifier.0", "classifier.2", "classifier.4");
        assertThat(ptq.artifacts()).containsOnlyKeys("folded_weights");
        assertThat(artifacts.weights(ptq, "folded_weights").tensors()).isNotEmpty();
    }

    @Test
    void missingWeightsArtifactFailsWithTheNamesThereAre() {
        String job = StageFixtures.jobId("noweights");
        StageCompleted calibrated =
                StageFixtures.calibrated(engine, artifacts, job, StageFixtures.config("baseline: {epochs: 0}"));
        StageCompleted broken = new StageCompleted(
                calibrated.schemaVersion(),
                job,
                calibrated.variant(),
                calibrated.stage(),
                calibrated.status(),
                null,
                null,
                calibrated.config(),
                null,
                null,
                null,
                null,
                Map.of());
        connector.<Record<String, String>>source(PtqProcessor.CALIBRATED).send(StageFixtures.record(broken));

        InMemorySink<String> failures = connector.sink(Channels.FAILURES);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !failed(failures, job).isEmpty());
        StageFailed f = failed(failures, job).get(0);
        assertThat(f.stage()).isEqualTo(Stage.PTQ);
        assertThat(f.reason()).contains("no artifact 'fp32_weights'");
        assertThat(f.sourceTopic()).isEqualTo("shiftq.calibration.done");
    }
}
