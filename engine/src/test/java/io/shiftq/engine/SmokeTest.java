package io.shiftq.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

class SmokeTest {
    @Test
    void pytorchLoadsOffline() {
        System.out.println(Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
        try (NDManager m = NDManager.newBaseManager()) {
            assertThat(m.create(new float[] {1, 2}).sum().getFloat()).isEqualTo(3f);
        }
    }
}
