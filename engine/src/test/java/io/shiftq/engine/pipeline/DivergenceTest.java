package io.shiftq.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shiftq.engine.train.TrainingDivergedException;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.config.QuantizationConfig;
import org.junit.jupiter.api.Test;

/**
 * A run thrown off by its learning rate fails, saying what happened and what to change, instead of handing on
 * a chance-level model. Measured here: LeNet5 on the synthetic set at the highest allowed rate (10) ends its
 * third epoch at about 9% test accuracy with a training loss in the hundreds.
 */
class DivergenceTest {

    private final QuantizationEngine engine = new QuantizationEngine();

    @Test
    void aBaselineAtChanceWithALossAboveAUniformGuessFailsNamingTheRate() {
        QuantizationConfig c = QuantizationConfig.parseYaml("""
                model: {name: LeNet5}
                data: {dataset: Synthetic, batch_size: 64, train_limit: 512, test_limit: 256}
                baseline: {epochs: 3, learning_rate: 10}
                """);
        assertThatThrownBy(() -> engine.job(PreparedJob.load(c)).baseline(TrainingListener.NONE))
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageStartingWith("the FP32 baseline diverged: epoch 3 ended at")
                .hasMessageContaining("chance level for 10 classes (10%)")
                .hasMessageEndingWith("lower baseline.learning_rate (now 10.0)");
    }

    @Test
    void aSensibleBaselineDoesNotCountAsDiverged() {
        QuantizationConfig c = QuantizationConfig.parseYaml("""
                model: {name: LeNet5}
                data: {dataset: Synthetic, batch_size: 64, train_limit: 512, test_limit: 256}
                baseline: {epochs: 1, learning_rate: 0.003}
                """);
        engine.job(PreparedJob.load(c)).baseline(TrainingListener.NONE);
    }
}
