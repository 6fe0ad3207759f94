package io.shiftq.engine.deploy.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How many images the tensor executor runs at once: bounded by the bytes a batch's op outputs hold. */
class TensorExecutorBatchTest {

    @Test
    void smallImagesRunAFullBatch() {
        // VGGSmall-like at 28x28: a few hundred thousand values per image.
        List<int[]> shapes = List.of(
                new int[] {32, 28, 28},
                new int[] {32, 28, 28},
                new int[] {64, 14, 14},
                new int[] {64, 7, 7},
                new int[] {10});
        assertThat(TensorExecutor.batchFor(shapes)).isEqualTo(TensorExecutor.BATCH);
    }

    @Test
    void imagesAt224RunAFewAtATimeWithinTheBudget() {
        // resnet18's stem and first stage at 224x224: 64x112x112 and 64x56x56 outputs.
        List<int[]> shapes = List.of(
                new int[] {64, 112, 112},
                new int[] {64, 56, 56},
                new int[] {64, 56, 56},
                new int[] {64, 56, 56},
                new int[] {64, 56, 56},
                new int[] {10});
        int batch = TensorExecutor.batchFor(shapes);
        long perImage = (64L * 112 * 112 + 4L * 64 * 56 * 56 + 10) * Double.BYTES;
        assertThat(batch).isBetween(1, TensorExecutor.BATCH - 1);
        assertThat(batch * perImage).isLessThanOrEqualTo(TensorExecutor.BATCH_BYTES);
        assertThat((batch + 1) * perImage).isGreaterThan(TensorExecutor.BATCH_BYTES);
    }

    @Test
    void oneImageRunsEvenWhenItAloneIsOverTheBudget() {
        assertThat(TensorExecutor.batchFor(List.of(new int[] {1024, 512, 512}))).isEqualTo(1);
    }
}
