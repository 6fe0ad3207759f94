package io.shiftq.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.engine.deploy.exec.IntegerExecutor;
import io.shiftq.engine.deploy.format.ModelFiles;
import io.shiftq.engine.pipeline.PipelineRun;
import io.shiftq.engine.pipeline.PreparedJob;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.report.QuantizationReport;
import io.shiftq.schema.report.ShiftRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The three quantization stages on the PyTorch-exported ONNX models, with normalized inputs: PTQ, one epoch of weight-only QAT
 * and final PTQ run, and the integer executor (from the exported files alone) gives every logit code fake-quant
 * gives. Small slices keep the test short; the full-set figures come from the README's commands.
 */
class OnnxPipelineTest {

    @ParameterizedTest
    @ValueSource(strings = {"resnet_style", "mobilenet_style"})
    void allThreeStepsRunAndTheIntegerExecutorIsBitExact(String name, @TempDir Path dir) throws Exception {
        Path model = TestModels.model(name);
        QuantizationConfig c = QuantizationConfig.parseYaml(
                String.format(Locale.ROOT, """
                model: {path: %s}
                data: {dataset: FashionMNIST, train_limit: 512, test_limit: 300, batch_size: 64,
                       normalize: {mean: [%s], std: [%s]}}
                training: {epochs: 1, learning_rate: 0.0001}
                ptq: {calibration_batches: 4}
                quantization: {weight: {per_channel: true}}
                """, model.toAbsolutePath(), TestModels.MEAN, TestModels.STD));
        PipelineRun.Outcome out = new PipelineRun(new QuantizationEngine()).run(name, c, TrainingListener.NONE, dir);
        QuantizationReport r = out.report();
        System.out.printf(
                Locale.ROOT,
                "%s on 300 test images: fp32 %.2f%%  ptq %.2f%%  qat best %.2f%%  final %.2f%%  integer check %s%n",
                name,
                r.initialAccuracy(),
                r.ptqAccuracy(),
                r.qatBestAccuracy(),
                r.finalAccuracy(),
                r.integerCheck());
        assertThat(r.initialAccuracy()).as("the imported FP32 model classifies").isGreaterThan(70.0);
        assertThat(r.qatEpochs()).as("one QAT epoch ran").hasSize(1);
        assertThat(r.shiftRecords())
                .extracting(ShiftRecord::layer)
                .as("layer names are the ONNX node names")
                .allMatch(l -> l.endsWith("Conv")
                        || l.endsWith("Gemm")
                        || l.contains("Add")
                        || l.endsWith("Concat")
                        || l.endsWith("AveragePool")
                        || l.endsWith("GlobalAveragePool"));
        assertThat(r.integerCheck().images()).isEqualTo(300);
        assertThat(r.integerCheck().predictionMismatches()).isZero();
        assertThat(r.integerCheck().logitMismatches()).isZero();
        // The exported files hold the new op kinds, and the executor read them back.
        String graph = Files.readString(out.deployed().files().modelJson());
        assertThat(IntegerExecutor.load(out.deployed().files().dir()).model().ops())
                .isNotEmpty();
        if (name.equals("mobilenet_style")) {
            assertThat(graph).contains("\"type\" : \"clipped_relu\"", "\"groups\" : 96", "is not a power of two");
        } else {
            assertThat(graph).contains("\"type\" : \"concat\"", "\"type\" : \"avgpool\"");
        }
        assertThat(graph).contains("\"input_normalization\"");
        assertThat(ModelFiles.read(out.deployed().files().dir()).normalization().std())
                .containsExactly(TestModels.STD);
    }

    /** {@code baseline.epochs} above 0 fine-tunes the imported weights on the job's data; 0 keeps them as read. */
    @Test
    void baselineEpochsFineTuneTheImportedWeights() {
        String yaml = String.format(
                Locale.ROOT, """
                model: {path: %s}
                data: {dataset: FashionMNIST, train_limit: 256, test_limit: 128, batch_size: 64,
                       normalize: {mean: [%s], std: [%s]}}
                baseline: {epochs: %%d, learning_rate: 0.001}
                """, TestModels.model("resnet_style").toAbsolutePath(), TestModels.MEAN, TestModels.STD);
        QuantizationEngine engine = new QuantizationEngine();
        PreparedJob asRead = PreparedJob.load(QuantizationConfig.parseYaml(yaml.formatted(0)));
        PreparedJob tuned = PreparedJob.load(QuantizationConfig.parseYaml(yaml.formatted(1)));
        var kept = engine.job(asRead).baseline(TrainingListener.NONE);
        var trained = engine.job(tuned).baseline(TrainingListener.NONE);
        assertThat(kept.epochs()).isEmpty();
        assertThat(kept.weights().tensors())
                .allSatisfy((name, t) -> assertThat(t.data())
                        .as(name + " as read from the ONNX file")
                        .containsExactly(asRead.onnxWeights().get(name).data()));
        assertThat(trained.epochs()).hasSize(1);
        assertThat(trained.weights().tensors())
                .anySatisfy((name, t) -> assertThat(t.data())
                        .isNotEqualTo(tuned.onnxWeights().get(name).data()));
    }
}
