package io.shiftq.engine.quant;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.shiftq.engine.EngineSetup;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What calibration keeps of each tensor: exact min, max and count, and every batch's strided sample in order. */
class ActivationObserverTest {

    @BeforeAll
    static void engine() {
        EngineSetup.start();
    }

    @Test
    void keepsEachBatchsSampleInOrderAcrossBufferGrowth() {
        ActivationObserver observer = new ActivationObserver();
        int large = 100_000; // above the 32,768 kept per batch: stride 3 from a random offset below 3
        try (NDManager m = NDManager.newBaseManager()) {
            observer.observe("a", m.create(new float[] {-1f, 2f, 0.5f}));
            observer.observe("a", m.arange(0f, large));
            observer.observe("a", m.arange(0f, large));
            observer.observe("a", m.create(new float[] {7f}));
        }
        ActivationStats s = observer.snapshot().get("a");

        // The observer draws offsets from Random(17), one per batch larger than what it keeps.
        Random random = new Random(17);
        int first = random.nextInt(3);
        int second = random.nextInt(3);
        assertThat(s.count()).isEqualTo(3 + 2L * large + 1);
        assertThat(s.min()).isEqualTo(-1f);
        assertThat(s.max()).isEqualTo(large - 1f);
        float[] sample = s.sample();
        assertThat(sample).hasSize(3 + 2 * 32_768 + 1);
        assertThat(sample[0]).isEqualTo(-1f);
        assertThat(sample[2]).isEqualTo(0.5f);
        assertThat(sample[3]).isEqualTo(first);
        assertThat(sample[3 + 32_767]).isEqualTo(first + 3 * 32_767);
        assertThat(sample[3 + 32_768]).isEqualTo(second);
        assertThat(sample[3 + 2 * 32_768 - 1]).isEqualTo(second + 3 * 32_767);
        assertThat(sample[sample.length - 1]).isEqualTo(7f);
    }

    @Test
    void keysKeepTheirFirstSeenOrder() {
        ActivationObserver observer = new ActivationObserver();
        try (NDManager m = NDManager.newBaseManager()) {
            observer.observe("features.0.input", m.create(new float[] {1f}));
            observer.observe("features.0.output", m.create(new float[] {2f}));
            observer.observe("features.0.input", m.create(new float[] {3f}));
        }
        assertThat(observer.snapshot()).containsOnlyKeys("features.0.input", "features.0.output");
        assertThat(observer.snapshot().keySet()).containsExactly("features.0.input", "features.0.output");
        assertThat(observer.snapshot().get("features.0.input").sample()).containsExactly(1f, 3f);
    }
}
