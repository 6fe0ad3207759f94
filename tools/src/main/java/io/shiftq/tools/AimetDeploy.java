package io.shiftq.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.engine.data.ImageSet;
import io.shiftq.engine.deploy.Deployment;
import io.shiftq.engine.deploy.ForeignPlan;
import io.shiftq.engine.deploy.IntegerChecker;
import io.shiftq.engine.deploy.format.ModelFiles;
import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.io.Npz;
import io.shiftq.engine.io.WeightFiles;
import io.shiftq.engine.model.BatchNormFolding;
import io.shiftq.engine.model.Models;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.onnx.OnnxImport;
import io.shiftq.engine.quant.ExponentRule;
import io.shiftq.engine.quant.TensorQuant;
import io.shiftq.schema.config.DataConfig;
import io.shiftq.schema.config.QuantizationConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code AimetDeploy <dir>}: the integer deployment of an aimet job. The AIMET worker writes into dir its job's
 * {@code config.json}, {@code quantizers.json} (the power-of-two quantizer of the model input, of each module's
 * output and of each weight and bias, by the engine's layer names), {@code weights.npz} (the folded weights as the
 * sim quantized them, so each is a code times 2^-n) and {@code check.npz} (the test images it evaluated, their
 * labels and the sim's logits); this writes {@code dir/deploy/} as the custom variant's final stage does (weights.npz,
 * model.json, C header and reference, encodings, QDQ ONNX), runs the integer executor on those files and compares it
 * with the sim's logits image by image, into {@code dir/integer_check.json}, with the layers where the integer model
 * cannot equal AIMET's simulation and why.
 */
public final class AimetDeploy {
    /** Images per batch of the engine's fake-quant pass. */
    private static final int ENGINE_BATCH = 256;

    private AimetDeploy() {}

    /** Entry point; exits 2 on bad usage, 1 when the deployment cannot be made (the message says why). */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: AimetDeploy <dir with config.json, quantizers.json, weights.npz, check.npz>");
            System.exit(2);
        }
        try {
            run(Path.of(args[0]));
        } catch (IllegalArgumentException e) {
            System.err.println("aimet deploy: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Writes dir/deploy/ and dir/integer_check.json. */
    static void run(Path dir) throws IOException {
        QuantizationConfig config = QuantizationConfig.parseYaml(Files.readString(dir.resolve("config.json")));
        Map<String, Npz.Array> check = Npz.read(dir.resolve("check.npz"));
        long[] shape = check.get("x").shape();
        Network folded = folded(config, (int) shape[1], (int) shape[2], (int) shape[3]);
        ForeignPlan.Result plan = ForeignPlan.of(
                folded,
                quantizers(ModelFiles.MAPPER.readTree(
                        dir.resolve("quantizers.json").toFile())));
        StateDict weights = WeightFiles.load(dir.resolve("weights.npz"));
        IntegerModel model = IntegerModel.from(folded, weights, plan.plan());
        DataConfig.Normalize n = config.data().normalize();
        if (n != null) {
            model = model.withNormalization(new IntegerModel.InputNormalization(floats(n.mean()), floats(n.std())));
        }
        Path deploy = dir.resolve("deploy");
        Deployment.Files files = Deployment.export(deploy, model);
        ImageSet images = new ImageSet(
                check.get("x").floats(), ints(check.get("y").longs()), (int) shape[1], (int) shape[2], (int) shape[3]);
        float[] logits = check.get("logits").floats();
        IntegerChecker.Result r =
                IntegerChecker.check(deploy, new IntegerChecker.Logits(logits, argmax(logits, images.size())), images);
        // The same integer model against the engine's own fake-quant of the same plan: zero differences there and
        // some against the sim put the differences in AIMET's arithmetic (its rounding), not in the translation.
        IntegerChecker.Result own = IntegerChecker.check(deploy, folded, weights, plan.plan(), images, ENGINE_BATCH);
        ObjectNode out = ModelFiles.MAPPER.createObjectNode();
        out.put("images", r.images());
        out.put("integer_accuracy", r.integerAccuracy());
        out.put("fake_quant_accuracy", r.fakeQuantAccuracy());
        out.put("prediction_mismatches", r.predictionMismatches());
        out.put("logit_mismatches", r.logitMismatches());
        out.put("differing_logit_codes", r.differingLogitCodes());
        out.put("max_code_difference", r.maxCodeDifference());
        out.put("integer_millis", r.integerMillis());
        out.putPOJO("first_mismatches", r.firstMismatches());
        ObjectNode engine = out.putObject("against_engine_fake_quant");
        engine.put("fake_quant_accuracy", own.fakeQuantAccuracy());
        engine.put("prediction_mismatches", own.predictionMismatches());
        engine.put("logit_mismatches", own.logitMismatches());
        engine.put("max_code_difference", own.maxCodeDifference());
        out.putPOJO("notes", plan.notes());
        out.putPOJO(
                "files",
                files.all().stream().map(p -> p.getFileName().toString()).toList());
        ModelFiles.MAPPER
                .writerWithDefaultPrettyPrinter()
                .writeValue(dir.resolve("integer_check.json").toFile(), out);
        System.out.println("integer vs AIMET sim: " + r.summary());
        System.out.println("integer vs the engine's fake-quant of the same plan: " + own.summary());
    }

    /** The job's network with BatchNorm folded, built by name or read from its ONNX file, as the custom variant does. */
    private static Network folded(QuantizationConfig config, int c, int h, int w) throws IOException {
        Network network = config.model().usesOnnx()
                ? OnnxImport.load(Path.of(config.model().path().replaceFirst("^file:", "")))
                        .network()
                : Models.create(config.model().name(), config.model().numClasses(), c, h, w);
        return BatchNormFolding.fold(network, StateDict.initialize(network, 0)).network();
    }

    private static ForeignPlan.Quantizers quantizers(JsonNode j) {
        Map<String, TensorQuant> values = new LinkedHashMap<>();
        j.get("values").fields().forEachRemaining(e -> values.put(e.getKey(), quantizer(e.getValue())));
        Map<String, TensorQuant> params = new LinkedHashMap<>();
        j.get("params").fields().forEachRemaining(e -> params.put(e.getKey(), quantizer(e.getValue())));
        return new ForeignPlan.Quantizers(quantizer(j.get("input")), values, params);
    }

    /** {@code {bits, signed, exponents: [n] or one per output channel, per_channel}}. */
    private static TensorQuant quantizer(JsonNode q) {
        int[] e = new int[q.get("exponents").size()];
        for (int i = 0; i < e.length; i++) {
            e[i] = q.get("exponents").get(i).asInt();
        }
        int bits = q.get("bits").asInt();
        boolean signed = q.get("signed").asBoolean();
        return q.path("per_channel").asBoolean(false)
                ? TensorQuant.perChannel(bits, signed, ExponentRule.MAX, e)
                : TensorQuant.perTensor(bits, signed, ExponentRule.MAX, e[0]);
    }

    private static int[] argmax(float[] logits, int images) {
        int classes = images == 0 ? 0 : logits.length / images;
        int[] p = new int[images];
        for (int k = 0; k < images; k++) {
            for (int c = 1; c < classes; c++) {
                if (logits[k * classes + c] > logits[k * classes + p[k]]) {
                    p[k] = c;
                }
            }
        }
        return p;
    }

    private static int[] ints(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.toIntExact(v[i]);
        }
        return out;
    }

    private static float[] floats(java.util.List<Double> v) {
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i).floatValue();
        }
        return out;
    }
}
