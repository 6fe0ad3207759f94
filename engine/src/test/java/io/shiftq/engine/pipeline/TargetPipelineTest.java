package io.shiftq.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shiftq.engine.quant.TargetInfeasibleException;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.report.QuantizationReport;
import io.shiftq.schema.report.ShiftRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job quantized for a 16-bit accumulator end to end, and a target no exponent meets refused at load. */
class TargetPipelineTest {

    @Test
    void aSixteenBitAccumulatorJobMeetsEveryLimitAndDeploysInt16Accumulators(@TempDir Path dir) throws Exception {
        QuantizationConfig c = QuantizationConfig.parseYaml("""
                model: {name: LeNet5}
                data: {dataset: Synthetic, batch_size: 64}
                baseline: {epochs: 1, learning_rate: 0.003}
                training: {epochs: 0}
                ptq: {calibration_batches: 2}
                quantization: {weight: {bitwidth: 8}, bias: {bitwidth: 16}}
                target: {profile: fpga16}
                """);
        QuantizationReport r = new PipelineRun(new QuantizationEngine())
                .run("target-1", c, TrainingListener.NONE, dir)
                .report();
        assertThat(r.target().profile()).isEqualTo("fpga16");
        assertThat(r.target().violations()).isZero();
        assertThat(r.target().largestAccumulatorBound()).isLessThanOrEqualTo(Short.MAX_VALUE);
        // 8-bit weights on 8-bit inputs over 400+ products per channel do not fit 16 bits unconstrained: the
        // search had to coarsen weights, and says so.
        assertThat(r.target().layersMoved()).isPositive();
        assertThat(r.shiftRecords())
                .filteredOn(s -> s.weight() != null)
                .allSatisfy(s -> assertThat(s.accumulatorBound()).isLessThanOrEqualTo(Short.MAX_VALUE))
                .anySatisfy(s -> assertThat(s.targetNotes()).anyMatch(n -> n.contains("accumulator_bits 16")));
        for (ShiftRecord s : r.shiftRecords()) {
            assertThat(s.violations()).as(s.layer()).isEmpty();
        }
        assertThat(r.integerCheck().predictionMismatches()).isZero();
        assertThat(r.integerCheck().logitMismatches()).isZero();
        assertThat(Files.readString(dir.resolve("model.json"))).contains("\"profile\" : \"fpga16\"");
        assertThat(Files.readString(dir.resolve("shiftq_model.c")))
                .contains("int16_t acc[", "int16_t acc = ")
                .doesNotContain("int32_t acc[", "int32_t acc = ", "int64_t acc[", "int64_t acc = ");
    }

    @Test
    void aTargetNoExponentMeetsFailsTheJobAtLoadNamingLayerAndLimit() {
        QuantizationConfig c = QuantizationConfig.parseYaml("""
                model: {name: LeNet5}
                data: {dataset: Synthetic}
                quantization: {bias: {bitwidth: 8}}
                target: {profile: fpga16, limits: {accumulator_bits: 8}}
                """);
        assertThatThrownBy(() -> PreparedJob.load(c))
                .isInstanceOf(TargetInfeasibleException.class)
                .hasMessageStartingWith("target fpga16: layer features.0 cannot meet target.limits.accumulator_bits");
    }
}
