package io.shiftq.service;

import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.train.BatchProgress;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageProgress;
import io.shiftq.schema.report.EpochResult;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * A training listener that turns one job's batches and epochs into {@link StageProgress} events: per-batch
 * events at most once per interval (plus the last batch of an epoch), every epoch end always.
 */
public final class ProgressReporter implements TrainingListener {

    private static final Logger LOG = Logger.getLogger(ProgressReporter.class);

    private final String jobId;
    private final String variant;
    private final Stage stage;
    private final Consumer<StageProgress> sink;
    private final long intervalNanos;
    private final LongSupplier clock;
    private BiConsumer<Integer, StateDict> checkpoints = (epoch, weights) -> {};
    private LongConsumer stepTimes = nanos -> {};
    private long lastBatch = Long.MIN_VALUE;
    private long lastSent = Long.MIN_VALUE;
    private BatchProgress last;

    /**
     * A reporter for one job.
     *
     * @param sink where events go
     * @param interval least time between two per-batch events
     * @param clock nanosecond clock, {@code System::nanoTime} outside tests
     */
    public ProgressReporter(
            String jobId,
            String variant,
            Stage stage,
            Consumer<StageProgress> sink,
            Duration interval,
            LongSupplier clock) {
        this.jobId = jobId;
        this.variant = variant;
        this.stage = stage;
        this.sink = sink;
        this.intervalNanos = interval.toNanos();
        this.clock = clock;
    }

    /** Also hands each epoch's parameters to {@code checkpoints}, e.g. to store them as an artifact. */
    public ProgressReporter withCheckpoints(BiConsumer<Integer, StateDict> checkpoints) {
        this.checkpoints = checkpoints;
        return this;
    }

    /** Also hands the time of every training step after the first to {@code stepTimes}, in nanoseconds. */
    public ProgressReporter withStepTimes(LongConsumer stepTimes) {
        this.stepTimes = stepTimes;
        return this;
    }

    @Override
    public void onBatch(BatchProgress p) {
        last = p;
        long now = clock.getAsLong();
        // The first batch of an epoch follows an evaluation, so its gap is not a training step.
        if (lastBatch != Long.MIN_VALUE && p.batch() > 1) {
            stepTimes.accept(now - lastBatch);
        }
        lastBatch = now;
        if (lastSent != Long.MIN_VALUE && now - lastSent < intervalNanos && p.batch() != p.batches()) {
            return;
        }
        lastSent = now;
        sink.accept(new StageProgress(
                EventTypes.SCHEMA_VERSION,
                jobId,
                variant,
                stage,
                p.percent(),
                p.epoch(),
                p.epochs(),
                p.batch(),
                p.batches(),
                p.loss(),
                // Learned rounding reports its loss but measures no accuracy (NaN), which JSON cannot carry.
                Double.isNaN(p.accuracy()) ? null : p.accuracy(),
                p.etaSeconds(),
                String.format(
                        Locale.ROOT,
                        "%s epoch %d/%d batch %d/%d",
                        stage.id(),
                        p.epoch(),
                        p.epochs(),
                        p.batch(),
                        p.batches()),
                Instant.now()));
    }

    @Override
    public void onEpoch(EpochResult r) {
        Integer epochs = last == null ? null : last.epochs();
        double percent = epochs == null ? 0 : 100.0 * r.epoch() / epochs;
        Double eta = last == null ? null : last.etaSeconds();
        String message = String.format(
                Locale.ROOT,
                "%s epoch %d/%s done: loss %.4f, test accuracy %.2f%%",
                stage.id(),
                r.epoch(),
                epochs == null ? "?" : epochs.toString(),
                r.trainLoss(),
                r.testAccuracy());
        // One log line per epoch: an operator follows a long job in the log without per-batch noise.
        LOG.infof("job %s: %s", jobId, message);
        sink.accept(new StageProgress(
                EventTypes.SCHEMA_VERSION,
                jobId,
                variant,
                stage,
                percent,
                r.epoch(),
                epochs,
                last == null ? null : last.batches(),
                last == null ? null : last.batches(),
                r.trainLoss(),
                r.testAccuracy(),
                eta,
                message,
                Instant.now()));
    }

    @Override
    public void onCheckpoint(int epoch, StateDict weights) {
        checkpoints.accept(epoch, weights);
    }
}
