package io.shiftq.engine.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shiftq.engine.data.ImageSet;
import io.shiftq.engine.deploy.exec.IntegerExecutor;
import io.shiftq.engine.pipeline.PipelineRun;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.report.ShiftRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The layer kinds imported graphs bring (depthwise conv, ReLU6, channel shuffle and slices, squeeze-excitation's
 * product with a channel gate and a product of two maps, average pooling over 3x3 and 2x2 windows, concatenation;
 * {@code spi/EveryLayerKind}) through the pipeline and every export. The integer executor equals
 * fake-quant on every logit code. ONNX Runtime on the QDQ export equals it too when no activation is 8-bit: then
 * every quantizer is written as exact half-up arithmetic, so a difference would be a wrong export, not rounding
 * (8-bit quantizers become QuantizeLinear, which rounds half to even).
 */
class EveryLayerKindTest {

    @ParameterizedTest
    @ValueSource(ints = {8, 12})
    void integerExecutorAndQdqExportComputeWhatFakeQuantComputes(int activationBits, @TempDir Path dir)
            throws Exception {
        QuantizationConfig c = QuantizationConfig.parseYaml("""
                model: {name: EveryLayerKind}
                data: {dataset: Synthetic, batch_size: 64, train_limit: 1024, test_limit: 256}
                baseline: {epochs: 2, learning_rate: 0.003}
                training: {epochs: 1, learning_rate: 0.0005}
                ptq: {calibration_batches: 4}
                quantization: {input: {bitwidth: %d}, output: {bitwidth: %d}}
                """.formatted(activationBits, activationBits));
        PipelineRun.Outcome out = new PipelineRun(new QuantizationEngine()).run("kinds", c, TrainingListener.NONE, dir);
        Deployment.Files files = out.deployed().files();
        for (Path p : files.all()) {
            assertThat(Files.size(p)).as(p.toString()).isPositive();
        }
        assertThat(out.report().integerCheck().logitMismatches()).isZero();
        assertThat(out.report().integerCheck().predictionMismatches()).isZero();
        assertThat(out.report().shiftRecords())
                .filteredOn(r -> r.layer().equals("avg3"))
                .singleElement()
                .extracting(ShiftRecord::violations)
                .asString()
                .contains("not a power of two");
        assertThat(out.report().shiftRecords())
                .filteredOn(r -> r.layer().equals("avg2"))
                .singleElement()
                .extracting(ShiftRecord::violations)
                .asList()
                .isEmpty();
        assertThat(Files.readString(files.header()))
                .contains(
                        "#define DW_GROUPS (8)",
                        "#define AVG3_DIVISOR (9)",
                        "SE_MUL_SHIFT_CUT",
                        "channel shuffle over 2 groups");
        assertThat(out.report().shiftRecords())
                .filteredOn(r -> r.layer().equals("se_mul") || r.layer().equals("product"))
                .extracting(ShiftRecord::opType)
                .containsExactly("Mul", "Mul");
        // Both AIMET encodings files carry the concatenation's and the pools' output quantizers.
        JsonNode v100 = new ObjectMapper().readTree(files.aimet100().toFile());
        List<String> tensors = new ArrayList<>();
        v100.get("activation_encodings").forEach(e -> tensors.add(e.get("name").asText()));
        assertThat(tensors).contains("cat.output", "avg3.output", "avg2.output");
        JsonNode v061 = new ObjectMapper().readTree(files.aimet061().toFile()).get("activation_encodings");
        for (String module : List.of("cat", "avg3", "avg2")) {
            assertThat(v061.path(module)
                            .path("output")
                            .path("0")
                            .path("bitwidth")
                            .asInt())
                    .as(module + " output encoding")
                    .isPositive();
        }

        ImageSet test = out.workload().data().test().inMemory();
        int outExp = IntegerExecutor.load(files.dir()).model().outputQuantizer().exponent();
        float[] logits = OnnxRuntimeRun.logits(files.onnx(), test);
        IntegerChecker.FakeQuantRun fq = IntegerChecker.fakeQuant(
                out.ptq().network(), out.qat().weights(), out.finalPtq().plan(), test, 64, outExp);
        int classes = logits.length / test.size();
        int differing = 0;
        int predictions = 0;
        for (int k = 0; k < test.size(); k++) {
            long[] codes = new long[classes];
            for (int j = 0; j < classes; j++) {
                codes[j] = (long) Math.rint(Math.scalb((double) logits[k * classes + j], outExp));
            }
            differing += Arrays.equals(codes, fq.codes()[k]) ? 0 : 1;
            predictions += IntegerExecutor.argmax(codes) != fq.predictions()[k] ? 1 : 0;
        }
        System.out.printf(
                Locale.ROOT,
                "EveryLayerKind A%d: %s; ONNX Runtime QDQ vs fake-quant: %d of %d images with a differing logit code,"
                        + " %d prediction mismatches%n",
                activationBits,
                out.report().integerCheck(),
                differing,
                test.size(),
                predictions);
        if (activationBits != 8) {
            assertThat(differing)
                    .as("images whose QDQ logit codes differ from fake-quant")
                    .isZero();
        }
    }
}
