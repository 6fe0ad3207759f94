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
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every lookup-table activation ({@code spi/EveryActivation}: Sigmoid, HardSigmoid, HardSwish, SiLU, Tanh, GELU,
 * LeakyRelu) through the pipeline and every export: the integer executor, reading only the exported files, equals
 * fake-quant on every logit code; model.json states each table's function and weights.npz holds it; the header holds
 * it as a const array. ONNX Runtime runs the QDQ export, whose activations are the float functions between
 * quantizers: its differences from fake-quant are printed, not asserted (docs/architecture.md says why).
 */
class EveryActivationTest {

    @Test
    void integerExecutorComputesWhatFakeQuantComputesThroughEveryTable(@TempDir Path dir) throws Exception {
        QuantizationConfig c = QuantizationConfig.parseYaml("""
                model: {name: EveryActivation}
                data: {dataset: Synthetic, batch_size: 64, train_limit: 512, test_limit: 256}
                baseline: {epochs: 2, learning_rate: 0.001}
                training: {epochs: 0}
                ptq: {calibration_batches: 4}
                """);
        PipelineRun.Outcome out = new PipelineRun(new QuantizationEngine()).run("acts", c, TrainingListener.NONE, dir);
        Deployment.Files files = out.deployed().files();
        assertThat(out.report().integerCheck().logitMismatches()).isZero();
        assertThat(out.report().integerCheck().images()).isEqualTo(256);

        List<String> functions = new ArrayList<>();
        JsonNode model =
                new ObjectMapper().readTree(files.dir().resolve("model.json").toFile());
        model.get("ops").forEach(o -> {
            if (o.get("type").asText().equals("lut")) {
                functions.add(o.get("function").asText());
            }
        });
        assertThat(functions)
                .containsExactly("sigmoid", "hard_sigmoid", "hard_swish", "silu", "tanh", "gelu", "leaky_relu");
        assertThat(Files.readString(files.header())).contains("gelu_table[256]", "sigmoid_table[256]");
        assertThat(out.report().shiftRecords())
                .filteredOn(r -> r.layer().equals("tanh"))
                .singleElement()
                .extracting(ShiftRecord::opType)
                .isEqualTo("LUT tanh");

        ImageSet test = out.workload().data().test().inMemory();
        int outExp = IntegerExecutor.load(files.dir()).model().outputQuantizer().exponent();
        float[] logits = OnnxRuntimeRun.logits(files.onnx(), test);
        IntegerChecker.FakeQuantRun fq = IntegerChecker.fakeQuant(
                out.ptq().network(), out.qat().weights(), out.finalPtq().plan(), test, 64, outExp);
        int classes = logits.length / test.size();
        int predictions = 0;
        for (int k = 0; k < test.size(); k++) {
            long[] codes = new long[classes];
            for (int j = 0; j < classes; j++) {
                codes[j] = (long) Math.rint(Math.scalb((double) logits[k * classes + j], outExp));
            }
            predictions += IntegerExecutor.argmax(codes) != fq.predictions()[k] ? 1 : 0;
        }
        System.out.printf(
                Locale.ROOT,
                "EveryActivation W8A8: %s; ONNX Runtime QDQ (float functions) vs fake-quant: %d of %d predictions"
                        + " differ%n",
                out.report().integerCheck(),
                predictions,
                test.size());
    }
}
