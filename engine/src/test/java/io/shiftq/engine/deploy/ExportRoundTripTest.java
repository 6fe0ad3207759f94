package io.shiftq.engine.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.shiftq.engine.deploy.c.CHeader;
import io.shiftq.engine.deploy.format.AimetEncodings;
import io.shiftq.engine.deploy.format.ModelFiles;
import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.io.Npz;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.pipeline.PipelineRun;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.engine.quant.LayerQuant;
import io.shiftq.engine.quant.Pow2;
import io.shiftq.engine.quant.QuantPlan;
import io.shiftq.engine.quant.TensorQuant;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.report.ShiftRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads weights.npz, the C header, model.json and the AIMET files back and checks every value and
 * exponent against the plan and the shift records (ResNetSmall, per-channel weights: adds,
 * alignment shifts and per-channel shift_cut all appear).
 */
class ExportRoundTripTest {
    @TempDir
    static Path dir;

    static PipelineRun.Outcome out;
    static Network net;
    static StateDict weights;
    static QuantPlan plan;

    @BeforeAll
    static void run() throws Exception {
        QuantizationConfig c = QuantizationConfig.parseYaml("""
                model: {name: ResNetSmall}
                data: {dataset: Synthetic, batch_size: 32, train_limit: 256, test_limit: 64}
                baseline: {epochs: 0}
                training: {epochs: 0}
                ptq: {calibration_batches: 2}
                quantization:
                  weight: {bitwidth: 8, per_channel: true, rounding: mse}
                """);
        out = new PipelineRun(new QuantizationEngine()).run("roundtrip", c, new TrainingListener() {});
        net = out.ptq().network();
        weights = out.qat().weights();
        plan = out.finalPtq().plan();
        Deployment.export(dir, net, weights, plan);
    }

    @Test
    void npzHoldsEveryCodeAndExponentOfThePlan() throws Exception {
        Map<String, Npz.Array> a = Npz.read(dir.resolve(ModelFiles.WEIGHTS));
        int checked = 0;
        for (ShiftRecord r : out.finalPtq().records()) {
            String n = r.layer();
            LayerQuant lq = plan.get(n);
            assertThat(a.get(n + ".input_exponent").longs())
                    .containsExactly(r.input().exponent());
            assertThat(a.get(n + ".output_exponent").longs())
                    .containsExactly(r.output().exponent());
            if (r.weight() == null) { // residual add
                // the npz stores target minus source exponent (a left shift when positive); the record
                // stores the right shift each add input takes
                assertThat(a.get(n + ".align_shift").longs())
                        .containsExactly(
                                -r.addInputShifts().get(0), -r.addInputShifts().get(1));
                assertThat(a.get(n + ".shift_cut").longs()).containsExactly(r.shiftCut());
                continue;
            }
            TensorQuant wq = lq.weight();
            float[] w = weights.get(n + ".weight").data();
            Npz.Array wa = a.get(n + ".weight");
            assertThat(wa.dtype()).isEqualTo("|i1");
            long[] codes = wa.longs();
            int per = w.length / wq.channelExponents().length;
            for (int k = 0; k < w.length; k++) {
                long expected = Pow2.code(w[k], wq.exponentOf(k / per), 8, true);
                assertThat(codes[k]).as(n + ".weight[" + k + "]").isEqualTo(expected);
                checked++;
            }
            assertThat(a.get(n + ".weight_exponent").longs())
                    .containsExactly(r.weight().channelExponents().stream()
                            .mapToLong(Integer::longValue)
                            .toArray());
            long[] cut = a.get(n + ".shift_cut").longs();
            long[] bexp = a.get(n + ".bias_exponent").longs();
            float[] b = weights.get(n + ".bias").data();
            long[] bcodes = a.get(n + ".bias").longs();
            assertThat(a.get(n + ".bias").dtype()).isEqualTo("<i4");
            for (int ch = 0; ch < cut.length; ch++) {
                int we = wq.exponentOf(ch);
                assertThat(cut[ch])
                        .isEqualTo(we + r.input().exponent() - r.output().exponent());
                assertThat(bexp[ch]).isEqualTo(we + r.input().exponent());
                assertThat(bcodes[ch]).isEqualTo(Pow2.code(b[ch], (int) bexp[ch], 32, true));
            }
            // the record's per-tensor shift_cut uses the coarsest channel exponent
            assertThat(Arrays.stream(cut).min().getAsLong()).isEqualTo((long) r.shiftCut());
            if (r.inputAlignShift() != null) {
                assertThat(a.get(n + ".input_align_shift").longs()).containsExactly(r.inputAlignShift());
            } else {
                assertThat(a).doesNotContainKey(n + ".input_align_shift");
            }
        }
        assertThat(checked).isGreaterThan(10_000);
    }

    @Test
    void headerHoldsTheSameArraysAndShifts() throws Exception {
        String h = Files.readString(dir.resolve(CHeader.FILE));
        Map<String, Npz.Array> a = Npz.read(dir.resolve(ModelFiles.WEIGHTS));
        Map<String, long[]> arrays = new HashMap<>();
        Matcher m = Pattern.compile("static const (\\w+) (\\w+)\\[(\\d+)\\] = \\{([^}]*)\\};")
                .matcher(h);
        while (m.find()) {
            long[] v = Arrays.stream(m.group(4).replace("LL", "").split(","))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .mapToLong(Long::parseLong)
                    .toArray();
            assertThat(v).hasSize(Integer.parseInt(m.group(3)));
            arrays.put(m.group(2), v);
        }
        Map<String, Long> defines = new HashMap<>();
        Matcher d = Pattern.compile("#define (\\w+) \\((-?\\d+)(?:LL)?\\)").matcher(h);
        while (d.find()) {
            defines.put(d.group(1), Long.parseLong(d.group(2)));
        }
        for (ShiftRecord r : out.finalPtq().records()) {
            String id = CHeader.ident(r.layer());
            String p = CHeader.macro(r.layer());
            assertThat(defines.get(p + "_OUTPUT_EXPONENT"))
                    .isEqualTo((long) r.output().exponent());
            if (r.weight() == null) {
                assertThat(defines.get(p + "_ALIGN_EXPONENT"))
                        .isEqualTo((long) r.input().exponent());
                assertThat(defines.get(p + "_ALIGN_SHIFT_0"))
                        .isEqualTo((long) -r.addInputShifts().get(0));
                assertThat(defines.get(p + "_ALIGN_SHIFT_1"))
                        .isEqualTo((long) -r.addInputShifts().get(1));
                assertThat(defines.get(p + "_SHIFT_CUT")).isEqualTo((long) r.shiftCut());
                continue;
            }
            assertThat(defines.get(p + "_INPUT_EXPONENT"))
                    .isEqualTo((long) r.input().exponent());
            assertThat(defines.get(p + "_INPUT_SIGNED")).isEqualTo(r.input().signed() ? 1L : 0L);
            assertThat(defines.get(p + "_OUTPUT_QMAX")).isEqualTo(r.output().signed() ? 127L : 255L);
            if (r.inputAlignShift() != null) {
                assertThat(defines.get(p + "_INPUT_ALIGN_SHIFT")).isEqualTo((long) r.inputAlignShift());
            }
            assertThat(arrays.get(id + "_weight"))
                    .containsExactly(a.get(r.layer() + ".weight").longs());
            assertThat(arrays.get(id + "_bias"))
                    .containsExactly(a.get(r.layer() + ".bias").longs());
            assertThat(arrays.get(id + "_shift_cut"))
                    .containsExactly(a.get(r.layer() + ".shift_cut").longs());
            assertThat(arrays.get(id + "_weight_exponent"))
                    .containsExactly(a.get(r.layer() + ".weight_exponent").longs());
        }
        assertThat(h).contains("y    = sat((acc + (1 << (s-1))) >> s)");
    }

    @Test
    void modelJsonAndNpzRebuildTheSameIntegerModel() throws Exception {
        IntegerModel built = IntegerModel.from(net, weights, plan);
        IntegerModel read = ModelFiles.read(dir);
        assertThat(ModelFiles.sameGraph(read, built))
                .as("model.json and weights.npz rebuild the graph")
                .isTrue();
        for (int i = 0; i < built.weighted().size(); i++) {
            assertThat(read.weighted().get(i).weights().codes())
                    .containsExactly(built.weighted().get(i).weights().codes());
            assertThat(read.weighted().get(i).biases().codes())
                    .containsExactly(built.weighted().get(i).biases().codes());
        }
        JsonNode g = ModelFiles.MAPPER.readTree(dir.resolve(ModelFiles.GRAPH).toFile());
        assertThat(g.get("ops")).hasSize(net.nodes().size());
        assertThat(g.get("ops").get(0).get("output_shape").toString()).isEqualTo("[16,28,28]");
    }

    @Test
    void aimetEncodingsHaveExactPowerOfTwoScales() throws Exception {
        JsonNode v061 =
                ModelFiles.MAPPER.readTree(dir.resolve(AimetEncodings.FILE_061).toFile());
        JsonNode v100 =
                ModelFiles.MAPPER.readTree(dir.resolve(AimetEncodings.FILE_100).toFile());
        assertThat(v100.get("version").asText()).isEqualTo("1.0.0");
        Map<String, JsonNode> onnxNamed = new HashMap<>();
        v100.get("activation_encodings")
                .forEach(e -> onnxNamed.put(e.get("name").asText(), e));
        for (ShiftRecord r : out.finalPtq().records()) {
            JsonNode o = onnxNamed.get(r.layer() + ".output");
            assertThat(o.get("scale").get(0).asDouble())
                    .isEqualTo(Math.scalb(1.0, -r.output().exponent()));
            assertThat(o.get("is_sym").asBoolean()).isEqualTo(r.output().signed());
            if (r.weight() != null) {
                JsonNode pw = v061.get("param_encodings").get(r.layer() + ".weight");
                assertThat(pw).hasSize(r.weight().channelExponents().size());
                for (int c = 0; c < pw.size(); c++) {
                    assertThat(pw.get(c).get("scale").asDouble())
                            .isEqualTo(Math.scalb(
                                    1.0, -r.weight().channelExponents().get(c)));
                    assertThat(pw.get(c).get("offset").asLong()).isEqualTo(-128);
                }
            }
        }
        JsonNode first = v100.get("param_encodings").get(0);
        assertThat(first.get("enc_type").asText()).isEqualTo("PER_CHANNEL");
        assertThat(first.get("is_sym").asBoolean()).isTrue();
        for (JsonNode e : v100.get("activation_encodings")) {
            double s = e.get("scale").get(0).asDouble();
            assertThat(Math.scalb(1.0, -Math.getExponent(s))).isEqualTo(1.0 / s);
        }
    }

    @Test
    void aimetTorchEncodingsSitOnTheModulesWhereAimetPlacesQuantizers() throws Exception {
        JsonNode act = ModelFiles.MAPPER
                .readTree(dir.resolve(AimetEncodings.FILE_061).toFile())
                .get("activation_encodings");
        Map<String, ShiftRecord> rec = new HashMap<>();
        out.finalPtq().records().forEach(r -> rec.put(r.layer(), r));
        // The stem reads the network input: its input quantizer is AIMET's model-input quantizer;
        // its output sits on the ReLU of the conv+BN+ReLU supergroup (BN folded away).
        assertThat(act.get("stem.0").get("input").get("0").get("scale").asDouble())
                .isEqualTo(Math.scalb(1.0, -rec.get("stem.0").input().exponent()));
        assertThat(act.get("stem.0").has("output")).isFalse();
        assertThat(act.get("stem.2").get("output").get("0").get("scale").asDouble())
                .isEqualTo(Math.scalb(1.0, -rec.get("stem.0").output().exponent()));
        // conv2 of a block has no ReLU (the add follows): its output is on itself; the add's output on relu2.
        assertThat(act.get("layer1.0.conv2").get("output").get("0").get("scale").asDouble())
                .isEqualTo(Math.scalb(1.0, -rec.get("layer1.0.conv2").output().exponent()));
        assertThat(act.get("layer1.0.relu1").get("output")).isNotNull();
        assertThat(act.has("layer1.0.add")).isFalse();
        assertThat(act.get("layer1.0.relu2").get("output").get("0").get("scale").asDouble())
                .isEqualTo(Math.scalb(1.0, -rec.get("layer1.0.add").output().exponent()));
        assertThat(act.get("layer2.0.downsample.0").get("output")).isNotNull();
        // Max-pool and flatten carry none; no layer but the stem has an input quantizer.
        assertThat(act.has("pool")).isFalse();
        assertThat(act.has("flatten")).isFalse();
        act.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("stem.0")) {
                assertThat(e.getValue().has("input")).as(e.getKey()).isFalse();
            }
            e.getValue().fields().forEachRemaining(slot -> {
                assertThat(slot.getValue().get("0").get("bitwidth").asInt()).isEqualTo(8);
                assertThat(slot.getValue().get("0").get("dtype").asText()).isEqualTo("int");
            });
        });
        assertThat(act.get("fc").get("output")).isNotNull();
    }
}
