package io.shiftq.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.report.EpochResult;
import io.shiftq.schema.report.QuantizationReport;
import io.shiftq.schema.report.ShiftRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three quantization stages end to end on the synthetic set: records complete and consistent. */
class SyntheticPipelineTest {

    @Test
    void lenetRunsAllStepsAndRecordsEveryTensor(@TempDir Path dir) {
        QuantizationConfig c = QuantizationConfig.parseYaml("""
                model: {name: LeNet5}
                data: {dataset: Synthetic, batch_size: 64}
                baseline: {epochs: 1, learning_rate: 0.003}
                training: {epochs: 1, learning_rate: 0.0005}
                ptq: {calibration_batches: 4}
                """);
        List<Integer> epochsSeen = new ArrayList<>();
        PipelineRun.Outcome out = new PipelineRun(new QuantizationEngine())
                .run(
                        "synthetic-1",
                        c,
                        new TrainingListener() {
                            @Override
                            public void onEpoch(EpochResult r) {
                                epochsSeen.add(r.epoch());
                            }
                        },
                        dir);
        QuantizationReport r = out.report();
        assertThat(epochsSeen).containsExactly(1, 1);
        assertThat(r.initialAccuracy()).isGreaterThan(80.0);
        assertThat(r.finalAccuracy()).isGreaterThan(r.initialAccuracy() - 5);
        assertThat(r.shiftRecords())
                .extracting(ShiftRecord::layer)
                .containsExactly("features.0", "features.3", "classifier.0", "classifier.2", "classifier.4");
        for (ShiftRecord rec : r.shiftRecords()) {
            assertThat(rec.shiftCut())
                    .isEqualTo(rec.weight().exponent()
                            + rec.input().exponent()
                            - rec.output().exponent());
            assertThat(rec.bias().exponent())
                    .isEqualTo(rec.weight().exponent() + rec.input().exponent());
            assertThat(rec.bias().provisional()).isFalse();
            assertThat(r.finalQuantizationDetails())
                    .containsKeys(
                            rec.layer() + ".weight",
                            rec.layer() + ".bias",
                            rec.layer() + ".input",
                            rec.layer() + ".output");
        }
        // ReLU outputs are unsigned; the logits are not.
        assertThat(r.shiftRecords().get(0).output().signed()).isFalse();
        assertThat(r.shiftRecords().get(4).output().signed()).isTrue();
        assertThat(r.modelSize().compression()).isGreaterThan(3.0);
        // The integer executor read only the exported files and agreed on every test image.
        assertThat(r.integerCheck().images()).isEqualTo(512);
        assertThat(r.integerCheck().fakeQuantAccuracy()).isEqualTo(r.finalAccuracy());
        assertThat(r.integerCheck().predictionMismatches()).isZero();
        assertThat(r.integerCheck().logitMismatches()).isZero();
        assertThat(dir.resolve("weights.npz")).exists();
        assertThat(dir.resolve("shiftq_model.h")).exists();
        assertThat(dir.resolve("shiftq_model.c")).exists();
        assertThat(dir.resolve("shiftq_main.c")).exists();
    }

    @Test
    void resnetAddsAlignBothInputsToTheCoarserExponent() {
        QuantizationConfig c = QuantizationConfig.parseYaml("""
                model: {name: ResNetSmall}
                data: {dataset: Synthetic, batch_size: 64}
                baseline: {epochs: 1, learning_rate: 0.003}
                training: {epochs: 0}
                ptq: {calibration_batches: 4}
                """);
        QuantizationReport r = new PipelineRun(new QuantizationEngine())
                .run("resnet-1", c, TrainingListener.NONE)
                .report();
        List<ShiftRecord> adds =
                r.shiftRecords().stream().filter(s -> s.opType().equals("Add")).toList();
        assertThat(adds).extracting(ShiftRecord::layer).containsExactly("layer1.0.add", "layer2.0.add");
        for (ShiftRecord add : adds) {
            assertThat(add.addInputShifts()).hasSize(2).allMatch(s -> s >= 0).contains(0);
            assertThat(add.input().bitwidth()).isEqualTo(32);
            assertThat(add.shiftCut())
                    .isEqualTo(add.input().exponent() - add.output().exponent());
        }
        assertThat(r.shiftRecords())
                .filteredOn(s -> !s.opType().equals("Add"))
                .hasSize(7)
                .allMatch(s -> s.addInputShifts() == null);
        assertThat(r.finalAccuracy()).isGreaterThan(r.initialAccuracy() - 5);
    }
}
