package io.shiftq.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.engine.train.BatchProgress;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageProgress;
import io.shiftq.schema.report.EpochResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Per-batch progress is throttled to the interval; the last batch of an epoch and every epoch end always go out. */
class ProgressReporterTest {

    private final List<StageProgress> sent = new ArrayList<>();
    private final AtomicLong nanos = new AtomicLong();
    private final ProgressReporter reporter =
            new ProgressReporter("job-1", "custom", Stage.QAT, sent::add, Duration.ofMillis(500), nanos::get);

    @Test
    void batchesWithinTheIntervalAreDropped() {
        for (int batch = 1; batch <= 10; batch++) {
            reporter.onBatch(new BatchProgress(1, 2, batch, 10, 0.5, 80, 12));
            nanos.addAndGet(Duration.ofMillis(100).toNanos());
        }
        // t=0 sent, t=500 ms (batch 6) sent, batch 10 is the epoch's last.
        assertThat(sent).extracting(StageProgress::batch).containsExactly(1, 6, 10);
        assertThat(sent.get(2).percent()).isEqualTo(50.0);
        assertThat(sent.get(0).message()).isEqualTo("qat epoch 1/2 batch 1/10");
    }

    @Test
    void epochEndsAlwaysGoOutWithTestAccuracy() {
        reporter.onBatch(new BatchProgress(1, 2, 10, 10, 0.5, 80, 12));
        reporter.onEpoch(new EpochResult(1, 0.42, 81, 79.5, 1e-4, 900));

        StageProgress epoch = sent.get(1);
        assertThat(epoch.epoch()).isEqualTo(1);
        assertThat(epoch.epochs()).isEqualTo(2);
        assertThat(epoch.percent()).isEqualTo(50.0);
        assertThat(epoch.accuracy()).isEqualTo(79.5);
        assertThat(epoch.loss()).isEqualTo(0.42);
        assertThat(epoch.message()).contains("epoch 1/2 done");
    }
}
