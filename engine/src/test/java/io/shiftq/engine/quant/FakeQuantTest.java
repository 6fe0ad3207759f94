package io.shiftq.engine.quant;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.shiftq.engine.EngineSetup;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Fake quantization forward values and the clipped straight-through gradient. */
class FakeQuantTest {

    @BeforeAll
    static void engine() {
        EngineSetup.start();
    }

    @Test
    void clippedStraightThroughEstimator() {
        // 4 bits signed at n = 2: codes [-8, 7], values [-2, 1.75].
        // -3 clamps (grad 0), -0.5 -> -2/4 (grad 1), 0.3 -> 1.2 -> 1/4 (grad 1), 1.9 -> 7.6 clamps to 7/4 (grad 0).
        TensorQuant q = TensorQuant.perTensor(4, true, ExponentRule.MAX, 2);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {-3f, -0.5f, 0.3f, 1.9f});
            x.setRequiresGradient(true);
            NDArray y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                y = FakeQuant.apply(x, q);
                gc.backward(y.sum());
            }
            assertThat(y.toFloatArray()).containsExactly(-2f, -0.5f, 0.25f, 1.75f);
            assertThat(x.getGradient().toFloatArray()).containsExactly(0f, 1f, 1f, 0f);
        }
    }

    @Test
    void withoutAutogradTheShortFormGivesTheSameBits() {
        // Half-way points, both signs, values around every code, clamped ones and zeros of both signs: the no-grad
        // path (rounded * 2^-n) must give exactly what the straight-through sum gives under a gradient collector.
        TensorQuant q = TensorQuant.perTensor(4, true, ExponentRule.MAX, 3);
        float[] v = new float[4001];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i - 2000) / 1000f + (i % 7 == 0 ? 1f / 16 : 0f);
        }
        v[0] = -0f;
        v[1] = 0f;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(v);
            EngineSetup.noGradOnThisThread();
            assertThat(EngineSetup.recordsGradients()).isFalse();
            float[] plain = FakeQuant.apply(x, q).toFloatArray();
            float[] straightThrough;
            NDArray w = m.create(v);
            w.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                assertThat(EngineSetup.recordsGradients()).isTrue();
                straightThrough = FakeQuant.apply(w, q).toFloatArray();
            }
            for (int i = 0; i < v.length; i++) {
                assertThat(Float.floatToRawIntBits(plain[i]))
                        .as("x = %s", v[i])
                        .isEqualTo(Float.floatToRawIntBits(straightThrough[i]));
            }
        }
    }

    @Test
    void matchesScalarArithmeticAndPerChannel() {
        TensorQuant q = TensorQuant.perChannel(8, true, ExponentRule.MAX, new int[] {7, 4});
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {0.5f, -0.2519f, 4f, 1.03f}, new Shape(2, 2));
            float[] y = FakeQuant.apply(w, q).toFloatArray();
            assertThat(y)
                    .containsExactly(
                            (float) Pow2.fakeQuant(0.5f, 7, 8, true),
                            (float) Pow2.fakeQuant(-0.2519f, 7, 8, true),
                            (float) Pow2.fakeQuant(4f, 4, 8, true),
                            (float) Pow2.fakeQuant(1.03f, 4, 8, true));
            assertThat(y[1]).isEqualTo(-32f / 128);
            assertThat(y[3]).isEqualTo(16f / 16);
        }
    }

    @Test
    void gradientSurvivesGarbageCollectionBetweenForwardAndBackward() {
        // A 32-bit bias quantizer at n = 30, as QAT runs it. The gradient through it must stay exactly 1
        // even when the JVM collects and reuses native memory between forward and backward: the
        // failure this guards against was DJL's x.mul(Number), whose scalar tensor lives in a Java
        // direct buffer that autograd still reads in backward after DJL has dropped it.
        TensorQuant q = TensorQuant.perTensor(32, true, ExponentRule.MAX, 30);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int round = 0; round < 20; round++) {
                NDArray b = m.create(new float[] {0.01f, -0.2f, 0.5f, -1.5f});
                b.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = FakeQuant.apply(b, q);
                    scribbleOverFreedNativeMemory();
                    gc.backward(y.sum());
                }
                assertThat(b.getGradient().toFloatArray()).as("round %d", round).containsExactly(1f, 1f, 1f, 1f);
            }
        }
    }

    /** Frees unreachable direct buffers and fills fresh small ones (likely at the same addresses) with 1e30. */
    private static void scribbleOverFreedNativeMemory() {
        System.gc();
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<ByteBuffer> keep = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            ByteBuffer buf = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
            buf.putFloat(0, 1e30f);
            keep.add(buf);
        }
    }
}
