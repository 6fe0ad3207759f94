package io.shiftq.finalptq;

import static io.shiftq.service.testing.StageFixtures.completed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.shiftq.engine.pipeline.PreparedJob;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.engine.pipeline.StageResults;
import io.shiftq.engine.train.LearnedThresholds;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.messaging.Channels;
import io.shiftq.schema.artifact.ArtifactNames;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.StageStatus;
import io.shiftq.schema.report.ShiftRecord;
import io.shiftq.service.CompletionBuilder;
import io.shiftq.service.JobArtifacts;
import io.shiftq.service.testing.InMemoryChannels;
import io.shiftq.service.testing.StageFixtures;
import io.smallrye.reactive.messaging.kafka.Record;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySink;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.junit.jupiter.api.Test;

/** The final_ptq stage on the in-memory connector: full shift records and model size, or SKIPPED when final_ptq is off. */
@QuarkusTest
@QuarkusTestResource(
        value = InMemoryChannels.class,
        restrictToAnnotatedClass = true,
        initArgs = {
            @ResourceArg(name = "incoming", value = FinalPtqProcessor.QAT_DONE),
            @ResourceArg(
                    name = "outgoing",
                    value = FinalPtqProcessor.DONE + "," + Channels.PROGRESS + "," + Channels.FAILURES)
        })
class FinalPtqProcessorTest {

    @Inject
    @Connector("smallrye-in-memory")
    InMemoryConnector connector;

    @Inject
    QuantizationEngine engine;

    @Inject
    JobArtifacts artifacts;
    /** The QAT completion the last {@link #run} handed to the stage. */
    private StageCompleted lastQat;

    @Test
    void everyLayerGetsInputOutputShiftsAndTheModelShrinks() {
        String job = StageFixtures.jobId("final");
        StageCompleted done = run(job, StageFixtures.config("baseline: {epochs: 1}"));

        assertThat(done.stage()).isEqualTo(Stage.FINAL_PTQ);
        assertThat(done.status()).isEqualTo(StageStatus.COMPLETED);
        PreparedJob prepared = PreparedJob.load(lastQat.config());
        StageResults.FinalPtq direct = engine.job(prepared)
                .finalPtq(prepared.foldedNetwork(), artifacts.weights(lastQat, ArtifactNames.QAT_WEIGHTS));
        assertThat(done.accuracy())
                .as("the service reports what the engine computes on the same weights")
                .isEqualTo(direct.accuracy());
        assertThat(done.shiftRecords()).hasSize(5).allSatisfy(r -> {
            assertThat(r.shiftCut())
                    .isEqualTo(r.weight().exponent()
                            + r.input().exponent()
                            - r.output().exponent());
            assertThat(r.bias().provisional()).isFalse();
        });
        assertThat(done.metrics()).containsKeys("float32_bytes", "quantized_bytes", "compression");
        assertThat(done.metrics().get("compression")).isGreaterThan(3.0);
        // the hardware files are stored, and the integer executor agreed with fake-quant on every image
        assertThat(done.artifacts())
                .containsKeys(
                        "weights.npz",
                        "model.json",
                        "shiftq_model.h",
                        "shiftq_model.c",
                        "shiftq_main.c",
                        "aimet_encodings_0.6.1.json",
                        "aimet_encodings_1.0.0.json",
                        "model_qdq.onnx");
        assertThat(done.metrics().get("integer_prediction_mismatches")).isZero();
        assertThat(done.metrics().get("integer_logit_mismatches")).isZero();
        assertThat(done.metrics().get("integer_accuracy")).isEqualTo(done.accuracy());
    }

    @Test
    void learnedThresholdsOfTheQatStageAreKeptAndTheIntegerCheckStaysExact() {
        String job = StageFixtures.jobId("final-tqt");
        QuantizationConfig config =
                StageFixtures.config("baseline: {epochs: 1}\ntraining: {epochs: 1, thresholds: learned}");
        StageCompleted ptq =
                StageFixtures.ptqDone(engine, artifacts, StageFixtures.calibrated(engine, artifacts, job, config));
        PreparedJob prepared = PreparedJob.load(config);
        StageResults.Qat learned = engine.job(prepared)
                .qat(
                        prepared.foldedNetwork(),
                        artifacts.weights(ptq, ArtifactNames.FOLDED_WEIGHTS),
                        TrainingListener.NONE);
        StageCompleted qat = CompletionBuilder.after(ptq, Stage.QAT)
                .accuracy(learned.bestAccuracy())
                .artifact(ArtifactNames.QAT_WEIGHTS, artifacts.putWeights(job, "tqt_weights", learned.weights()))
                .artifact(
                        ArtifactNames.QAT_THRESHOLDS,
                        artifacts.putWeights(
                                job, ArtifactNames.QAT_THRESHOLDS, LearnedThresholds.toStateDict(learned.thresholds())))
                .build();
        StageCompleted done = send(job, qat);

        assertThat(done.status()).isEqualTo(StageStatus.COMPLETED);
        for (ShiftRecord r : done.shiftRecords()) {
            assertThat(r.input().exponent())
                    .as(r.layer() + " input")
                    .isEqualTo(learned.thresholds().get(r.layer() + ".input").exponent());
            assertThat(r.output().exponent())
                    .as(r.layer() + " output")
                    .isEqualTo(learned.thresholds().get(r.layer() + ".output").exponent());
        }
        assertThat(done.metrics().get("integer_prediction_mismatches")).isZero();
        assertThat(done.metrics().get("integer_logit_mismatches")).isZero();
    }

    @Test
    void finalPtqOffIsSkippedWithTheWeightOnlyRecords() {
        String job = StageFixtures.jobId("final-off");
        StageCompleted done = run(job, StageFixtures.config("baseline: {epochs: 0}\npipeline: {final_ptq: false}"));

        assertThat(done.status()).isEqualTo(StageStatus.SKIPPED);
        assertThat(done.accuracy()).isNotNull();
        assertThat(done.shiftRecords())
                .hasSize(5)
                .extracting(ShiftRecord::layer)
                .startsWith("features.0");
    }

    private StageCompleted run(String job, QuantizationConfig config) {
        StageCompleted ptq =
                StageFixtures.ptqDone(engine, artifacts, StageFixtures.calibrated(engine, artifacts, job, config));
        StageCompleted qat = StageFixtures.qatSkipped(engine, artifacts, ptq);
        lastQat = qat;
        return send(job, qat);
    }

    private StageCompleted send(String job, StageCompleted qat) {
        InMemorySink<String> done = connector.sink(FinalPtqProcessor.DONE);
        connector.<Record<String, String>>source(FinalPtqProcessor.QAT_DONE).send(StageFixtures.record(qat));
        await().atMost(Duration.ofSeconds(60)).until(() -> !completed(done, job).isEmpty());
        return completed(done, job).get(0);
    }
}
