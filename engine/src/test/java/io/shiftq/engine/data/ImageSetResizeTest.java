package io.shiftq.engine.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.shiftq.engine.pipeline.PreparedJob;
import io.shiftq.schema.config.QuantizationConfig;
import org.junit.jupiter.api.Test;

/** {@code data.resize}: bilinear with half-pixel centres, as PyTorch's interpolate, applied before normalization. */
class ImageSetResizeTest {

    @Test
    void twoByTwoToFourByFourGivesPyTorchsBilinearValues() {
        ImageSet two = new ImageSet(new float[] {0, 1, 2, 3}, new int[] {0}, 1, 2, 2);
        // torch.nn.functional.interpolate(torch.tensor([[[[0., 1], [2, 3]]]]), size=4, mode="bilinear",
        // align_corners=False)
        float[] expected = {
            0f, .25f, .75f, 1f, .5f, .75f, 1.25f, 1.5f, 1.5f, 1.75f, 2.25f, 2.5f, 2f, 2.25f, 2.75f, 3f,
        };
        ImageSet four = two.resized(4, 4);
        assertThat(four.height()).isEqualTo(4);
        assertThat(four.width()).isEqualTo(4);
        assertThat(four.pixels()).containsExactly(expected, within(1e-6f));
    }

    @Test
    void downsamplingAveragesNeighboursAndTheSameSizeIsTheSameSet() {
        ImageSet four = new ImageSet(
                new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, new int[] {0}, 1, 4, 4);
        // Source coordinates 0.5 and 2.5: the mean of each 2x2 block.
        assertThat(four.resized(2, 2).pixels()).containsExactly(new float[] {2.5f, 4.5f, 10.5f, 12.5f}, within(1e-6f));
        assertThat(four.resized(4, 4)).isSameAs(four);
    }

    @Test
    void aJobReadsResizedImagesAndBuildsItsModelForThatSize() {
        PreparedJob job = PreparedJob.load(QuantizationConfig.parseYaml("""
                model: {name: LeNet5}
                data: {dataset: Synthetic, train_limit: 64, test_limit: 32, resize: [32, 36],
                       normalize: {mean: [0.5], std: [0.25]}}
                """));
        assertThat(job.data().train().height()).isEqualTo(32);
        assertThat(job.data().test().width()).isEqualTo(36);
        assertThat(job.network().inputShape()).containsExactly(1, 32, 36);
    }

    @Test
    void aResizeTooLargeToHoldInMemoryIsRefusedByNameBeforeItIsComputed() {
        // 2,560 synthetic images at 2048 x 2048 would be 1.07e10 values; a batch of 16 alone is within its bound.
        assertThatThrownBy(() -> PreparedJob.load(QuantizationConfig.parseYaml(
                        "data: {dataset: Synthetic, batch_size: 16, resize: [2048, 2048]}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "data.resize: 2560 images of 1 x 2048 x 2048 held in memory are 10737418240 values")
                .hasMessageContaining("set data.train_limit / data.test_limit");
    }

    @Test
    void aNetworkWithTooManyParametersIsRefusedNamingNumClasses() {
        // ResNetSmall's dense layer reads 32 x 128 x 128 features of a 512 x 512 image: times 100,000 classes.
        assertThatThrownBy(() -> PreparedJob.load(QuantizationConfig.parseYaml("""
                        model: {name: ResNetSmall, num_classes: 100000}
                        data: {dataset: Synthetic, train_limit: 2, test_limit: 2, resize: [512, 512]}
                        """)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("model.num_classes: ResNetSmall with 100000 classes")
                .hasMessageContaining("lower model.num_classes or data.resize");
    }
}
