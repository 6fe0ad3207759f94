package io.shiftq.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shiftq.engine.Cancellation;
import io.shiftq.engine.JobCancelledException;
import io.shiftq.engine.train.BatchProgress;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.config.QuantizationConfig;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cancel reaches the engine's batch loops through {@link Cancellation}: the next batch stops the step. */
class CancellationTest {

    private final QuantizationEngine engine = new QuantizationEngine();
    private final QuantizationConfig config = QuantizationConfig.parseYaml("""
            model: {name: LeNet5}
            data: {dataset: Synthetic, batch_size: 32, train_limit: 512, test_limit: 128}
            baseline: {epochs: 2, learning_rate: 0.003}
            """);
    /** No training: the steps after it only need some weights. */
    private final QuantizationConfig untrained = QuantizationConfig.parseYaml("""
            model: {name: LeNet5}
            data: {dataset: Synthetic, batch_size: 32, train_limit: 256, test_limit: 128}
            baseline: {epochs: 0}
            """);

    @Test
    void trainingStopsAtTheBatchAfterTheCancel() {
        AtomicBoolean cancelled = new AtomicBoolean();
        AtomicInteger batches = new AtomicInteger();
        TrainingListener cancelAtThirdBatch = new TrainingListener() {
            @Override
            public void onBatch(BatchProgress progress) {
                if (batches.incrementAndGet() == 3) {
                    cancelled.set(true);
                }
            }
        };
        PreparedJob job = PreparedJob.load(config);
        assertThatThrownBy(() -> Cancellation.during(
                        cancelled::get, () -> engine.job(job).baseline(cancelAtThirdBatch)))
                .isInstanceOf(JobCancelledException.class);
        // 512 images in batches of 32 would be 32 batches in two epochs; the cancel after the third stops the fourth.
        assertThat(batches).hasValue(3);
    }

    @Test
    void evaluationStopsToo() {
        PreparedJob job = PreparedJob.load(untrained);
        var fp32 = engine.job(job).baseline(TrainingListener.NONE);
        var ptq = engine.job(job).ptq(fp32.weights());
        assertThatThrownBy(() -> Cancellation.during(
                        () -> true, () -> engine.job(job).accuracy(ptq.network(), ptq.weights(), ptq.plan())))
                .isInstanceOf(JobCancelledException.class);
    }

    @Test
    void learnedRoundingStopsAtTheStepAfterTheCancelAndReportsEachStep() {
        QuantizationConfig learned = QuantizationConfig.parseYaml("""
                model: {name: LeNet5}
                data: {dataset: Synthetic, batch_size: 32, train_limit: 256, test_limit: 128}
                baseline: {epochs: 0}
                ptq: {calibration_batches: 2, rounding: learned, rounding_iterations: 50}
                """);
        PreparedJob job = PreparedJob.load(learned);
        var fp32 = engine.job(job).baseline(TrainingListener.NONE);
        AtomicBoolean cancelled = new AtomicBoolean();
        AtomicInteger steps = new AtomicInteger();
        TrainingListener cancelAtFifthStep = new TrainingListener() {
            @Override
            public void onBatch(BatchProgress progress) {
                // One "epoch" per layer with a weight, one "batch" per optimizer step: LeNet5 has five such layers.
                assertThat(progress.epochs()).isEqualTo(5);
                assertThat(progress.batches()).isEqualTo(50);
                if (steps.incrementAndGet() == 5) {
                    cancelled.set(true);
                }
            }
        };
        assertThatThrownBy(() -> Cancellation.during(
                        cancelled::get, () -> engine.job(job).ptq(fp32.weights(), cancelAtFifthStep)))
                .isInstanceOf(JobCancelledException.class);
        assertThat(steps).hasValue(5);
    }

    @Test
    void theIntegerCheckOnItsWorkerThreadsStopsToo(@TempDir Path dir) {
        PreparedJob job = PreparedJob.load(untrained);
        var fp32 = engine.job(job).baseline(TrainingListener.NONE);
        var ptq = engine.job(job).ptq(fp32.weights());
        var fin = engine.job(job).finalPtq(ptq.network(), ptq.weights());
        assertThatThrownBy(() -> Cancellation.during(
                        () -> true, () -> engine.job(job).deploy(ptq.network(), ptq.weights(), fin.plan(), dir)))
                .isInstanceOf(JobCancelledException.class);
    }

    @Test
    void outsideAScopeNothingIsCancelledAndTheOuterScopeComesBack() {
        Cancellation.checkCurrent();
        assertThatThrownBy(() -> Cancellation.during(
                        () -> true,
                        () -> Cancellation.during(() -> false, () -> {
                                    Cancellation.checkCurrent();
                                    return 0;
                                })
                                + check()))
                .isInstanceOf(JobCancelledException.class);
        Cancellation.checkCurrent();
    }

    private static int check() {
        Cancellation.checkCurrent();
        return 0;
    }
}
