package io.shiftq.schema.config;

import static io.shiftq.schema.config.QuantizationConfigTest.problemsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The upper bounds on a request: what a user tried and got through before, now refused naming the field. */
class LimitsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            training: {learning_rate: 1e12}                 | training.learning_rate: 1.0E12 is above the limit 10.0
            baseline: {learning_rate: 1e12}                 | baseline.learning_rate: 1.0E12 is above the limit 10.0
            training: {weight_decay: 1e12}                  | training.weight_decay: 1.0E12 is above the limit 1.0
            training: {optimizer: {eps: 1e12}}              | training.optimizer.eps: 1.0E12 is above the limit 1.0
            training: {epochs: 2147483647}                  | training.epochs: 2147483647 is above the limit 1000
            baseline: {epochs: 100000}                      | baseline.epochs: 100000 is above the limit 1000
            data: {batch_size: 1000000}                     | data.batch_size: 1000000 is above the limit 4096
            data: {train_limit: 2000000000}                 | data.train_limit: 2000000000 is above the limit 10000000
            ptq: {calibration_batches: 2000000000}          | ptq.calibration_batches: 2000000000 is above the limit 1000000
            """)
    void valuesNoTrainingSurvivesAreRefusedNamingTheFieldAndTheLimit(String yaml, String problem) {
        assertThat(problemsOf(yaml)).anySatisfy(p -> assertThat(p).startsWith(problem));
    }

    @Test
    void anAnnealingFloorAboveTheStartingRateIsRefused() {
        assertThat(problemsOf("training: {learning_rate: 0.001, scheduler: {type: CosineAnnealingLR, eta_min: 1e12}}"))
                .anySatisfy(p -> assertThat(p)
                        .startsWith("training.scheduler.eta_min: 1.0E12 is above training.learning_rate 0.001"));
    }

    @Test
    void theLimitsItselfAreInclusive() {
        assertThat(QuantizationConfig.parseYaml("training: {epochs: 1000, learning_rate: 10}")
                        .training()
                        .epochs())
                .isEqualTo(1000);
    }

    @Test
    void anOperatorCanLowerALimitButNotRaiseItPastTheDefault() {
        QuantizationConfig tenEpochs = QuantizationConfig.parseYaml("training: {epochs: 10}");
        Limits three = new Limits(3, 10, 1, 1, 4096, 10_000_000, 1_000_000);
        assertThatThrownBy(() -> tenEpochs.validated(three))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("training.epochs: 10 is above the limit 3");
        Limits raised = new Limits(1_000_000, 1e6, 1e6, 1e6, 1 << 20, Integer.MAX_VALUE, Integer.MAX_VALUE).capped();
        assertThat(raised).isEqualTo(Limits.DEFAULT);
    }
}
