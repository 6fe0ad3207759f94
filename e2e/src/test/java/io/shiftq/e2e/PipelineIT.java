package io.shiftq.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.cli.Main;
import io.shiftq.engine.io.Npz;
import io.shiftq.engine.io.WeightFiles;
import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.quant.Pow2;
import io.shiftq.schema.Json;
import io.shiftq.schema.artifact.ArtifactStore;
import io.shiftq.schema.event.ArtifactRef;
import io.shiftq.schema.report.QuantizationReport;
import io.shiftq.schema.report.ShiftRecord;
import io.shiftq.schema.report.TensorShift;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged services as separate processes on a real broker: the CLI submits a tiny job (LeNet5, synthetic
 * data), watches it to its report, and the report is checked against the events and the stored model.
 */
class PipelineIT {

    private static final Path ARTIFACTS = RunningServices.ARTIFACTS;

    private static PackagedServices services;
    private static String bootstrap;

    @BeforeAll
    static void startServices() {
        services = RunningServices.get();
        bootstrap = services.bootstrap();
    }

    @Test
    void aSubmittedJobEndsWithACompleteReport() throws Exception {
        String jobId = "e2e-" + System.currentTimeMillis();
        Path config = Path.of(PipelineIT.class.getResource("/tiny.yaml").toURI());
        assertThat(cli("submit", config.toString(), "--job-id", jobId)).isEqualTo(Main.OK);
        assertThat(cli("watch", jobId, "--timeout", "900"))
                .as("watch ends with the report")
                .isEqualTo(Main.OK);

        // Every stage present, in pipeline order, each finishing after the one before.
        HttpResponse<String> jobResponse = get("reporting", "/jobs/" + jobId);
        assertThat(jobResponse.statusCode()).isEqualTo(200);
        var job = Json.mapper().readTree(jobResponse.body());
        assertThat(job.get("state").asText()).isEqualTo("REPORTED");
        List<String> stages = new ArrayList<>();
        String previousFinish = "";
        for (var stage : job.get("stages")) {
            stages.add(stage.get("stage").asText());
            String finished = stage.get("finished_at").asText();
            assertThat(finished).as("finish of " + stage.get("stage")).isGreaterThanOrEqualTo(previousFinish);
            previousFinish = finished;
        }
        assertThat(stages).containsExactly("calibration", "ptq", "qat", "final_ptq");

        HttpResponse<String> reportResponse = get("reporting", "/jobs/" + jobId + "/report");
        assertThat(reportResponse.statusCode()).isEqualTo(200);
        QuantizationReport report = Json.read(reportResponse.body(), QuantizationReport.class);
        assertThat(Files.readString(ARTIFACTS.resolve(jobId).resolve("report.json")))
                .isEqualTo(reportResponse.body());
        assertThat(report.pipelineSteps()).isEqualTo(QuantizationReport.PIPELINE_STEPS);
        assertThat(report.stageTimingsMs())
                .containsOnlyKeys(
                        "calibration", "ptq", "qat", "final_ptq", "request_handoff", "kafka_handoffs", "artifact_io");
        System.out.println("pipeline overhead for one job: " + report.stageTimingsMs());

        // Accuracies are percentages, and a trained baseline beats chance (10 classes).
        for (Double accuracy : List.of(
                report.initialAccuracy(), report.ptqAccuracy(), report.qatBestAccuracy(), report.finalAccuracy())) {
            assertThat(accuracy).isBetween(0.0, 100.0);
        }
        assertThat(report.initialAccuracy()).isGreaterThan(10.0);

        // One shift record per quantized layer of the stored model (QAT's weights, which final PTQ quantizes),
        // with weight exponents that reproduce the recorded SQNR on those weights.
        StateDict model = storedModel(report);
        Set<String> weightedLayers = new TreeSet<>();
        model.tensors().keySet().stream()
                .filter(k -> k.endsWith(".weight"))
                .forEach(k -> weightedLayers.add(k.substring(0, k.length() - ".weight".length())));
        List<String> recorded = report.shiftRecords().stream()
                .map(ShiftRecord::layer)
                .filter(weightedLayers::contains)
                .toList();
        assertThat(new TreeSet<>(recorded)).isEqualTo(weightedLayers);
        assertThat(recorded).doesNotHaveDuplicates();
        for (ShiftRecord record : report.shiftRecords()) {
            if (record.weight() != null) {
                assertFitsExponents(record.weight(), model.get(record.layer() + ".weight"));
                assertThat(record.input()).as(record.layer() + " input").isNotNull();
                assertThat(record.output()).as(record.layer() + " output").isNotNull();
                assertThat(report.finalQuantizationDetails()).containsKey(record.layer() + ".weight");
            }
        }

        // The exported integer model carries the same exponents, and the integer executor, reading only those
        // files, classified every test image as the fake-quant evaluation did.
        ArtifactRef npz = report.artifacts().get("final_ptq.weights.npz");
        assertThat(npz)
                .as("final_ptq.weights.npz in " + report.artifacts().keySet())
                .isNotNull();
        Map<String, Npz.Array> exported = Npz.read(new ArtifactStore(ARTIFACTS).resolve(npz));
        for (ShiftRecord record : report.shiftRecords()) {
            if (record.weight() != null && record.weight().channelExponents() == null) {
                assertThat(exported.get(record.layer() + ".weight_exponent").longs())
                        .containsOnly(record.weight().exponent());
                assertThat(exported.get(record.layer() + ".input_exponent").longs())
                        .containsExactly(record.input().exponent());
                assertThat(exported.get(record.layer() + ".output_exponent").longs())
                        .containsExactly(record.output().exponent());
            }
        }
        assertThat(report.integerCheck()).isNotNull();
        assertThat(report.integerCheck().predictionMismatches()).isZero();
        assertThat(report.integerCheck().logitMismatches()).isZero();
        assertThat(report.integerCheck().fakeQuantAccuracy()).isEqualTo(report.finalAccuracy());
    }

    /**
     * A user's own model through the services, as the README's "Quantize your own model" says: the PyTorch-exported
     * ResNet-style ONNX file (residual adds), copied under the stage services' models root (the artifact store),
     * normalized Fashion-MNIST inputs; one QAT epoch on a slice. The report names layers by their ONNX nodes and the
     * integer executor agrees with fake-quant on every test image.
     */
    @Test
    void anOnnxModelRunsThroughTheServices() throws Exception {
        String jobId = "e2e-onnx-" + System.currentTimeMillis();
        Path model = RunningServices.ARTIFACTS.resolve("models").resolve(jobId + ".onnx");
        Files.createDirectories(model.getParent());
        Files.copy(RunningServices.ROOT.resolve("engine/src/test/resources/onnx/resnet_style.onnx"), model);
        Path config = RunningServices.WORK.resolve(jobId + ".yaml");
        Files.writeString(config, """
                model: {path: %s, num_classes: 10}
                data: {dataset: FashionMNIST, normalize: {mean: [0.2860], std: [0.3530]}, train_limit: 640,
                       test_limit: 500}
                training: {epochs: 1, learning_rate: 0.0005}
                ptq: {calibration_batches: 4}
                """.formatted(model));
        assertThat(cli("submit", config.toString(), "--job-id", jobId)).isEqualTo(Main.OK);
        assertThat(cli("watch", jobId, "--timeout", "900"))
                .as("watch ends with the report")
                .isEqualTo(Main.OK);

        QuantizationReport report = Json.read(
                Files.readString(RunningServices.ARTIFACTS.resolve(jobId).resolve("report.json")),
                QuantizationReport.class);
        List<String> layers =
                report.shiftRecords().stream().map(ShiftRecord::layer).toList();
        assertThat(layers)
                .as("ONNX node names")
                .anyMatch(l -> l.endsWith("/Conv"))
                .anyMatch(l -> l.endsWith("/Add"));
        // The model was trained to 88.78% on all 10,000 test images (models.json); far above chance on these 500.
        assertThat(report.initialAccuracy()).isGreaterThan(70.0);
        assertThat(report.qatEpochs()).hasSize(1);
        assertThat(report.integerCheck().images()).isEqualTo(500);
        assertThat(report.integerCheck().predictionMismatches()).isZero();
        assertThat(report.integerCheck().logitMismatches()).isZero();
        assertThat(report.artifacts()).containsKey("final_ptq.model_qdq.onnx");
    }

    /**
     * The recorded weight exponents, applied to the stored weights, give the SQNR the record states: the record
     * describes this model (one exponent off changes the SQNR by about 6 dB).
     */
    private static void assertFitsExponents(TensorShift shift, HeapTensor weights) {
        assertThat(shift.sqnrDb()).as(shift.tensor() + " sqnr_db").isNotNull();
        int per = weights.size() / weights.channels();
        double signal = 0;
        double noise = 0;
        for (int i = 0; i < weights.size(); i++) {
            int n = shift.channelExponents() == null || shift.channelExponents().isEmpty()
                    ? shift.exponent()
                    : shift.channelExponents().get(i / per);
            double w = weights.data()[i];
            double d = w - Pow2.fakeQuant(w, n, shift.bitwidth(), shift.signed());
            signal += w * w;
            noise += d * d;
        }
        double sqnr = noise == 0 ? 200 : 10 * Math.log10(signal / noise);
        assertThat(sqnr)
                .as(shift.tensor() + ": SQNR of the stored weights at the recorded exponents")
                .isCloseTo(shift.sqnrDb(), Offset.offset(0.02));
    }

    private static StateDict storedModel(QuantizationReport report) {
        for (String name : List.of("final_ptq.model", "qat.qat_weights", "qat.model")) {
            ArtifactRef ref = report.artifacts().get(name);
            if (ref != null) {
                return WeightFiles.load(new ArtifactStore(ARTIFACTS).resolve(ref));
            }
        }
        throw new AssertionError("the report names no stored model; artifacts: "
                + report.artifacts().keySet());
    }

    private static int cli(String... args) {
        return services.cli(args);
    }

    private static HttpResponse<String> get(String service, String path) throws IOException, InterruptedException {
        return services.get(service, path);
    }
}
