package io.shiftq.engine.deploy;

import io.shiftq.engine.data.Datasets;
import io.shiftq.engine.data.IdxReader;
import io.shiftq.engine.data.ImageSet;
import io.shiftq.engine.deploy.c.CProgram;
import io.shiftq.engine.deploy.exec.IntegerExecutor;
import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.onnx.TestModels;
import io.shiftq.engine.pipeline.PreparedJob;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.engine.pipeline.StageResults;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.config.QuantizationConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The exported C reference of finished models gives every prediction and every logit code the Java integer executor
 * gives on the same Fashion-MNIST test images, which {@code shiftq_main} reads from the IDX file: VGGSmall W8A8, W4A8
 * per-channel and W4A4, ResNetSmall (residual adds) and the two ONNX-imported nets (depthwise convolutions, ReLU6,
 * average pooling over 49 values, concat, normalized inputs). Two builds of the same files, both with {@code gcc -O2
 * -std=c99 -Wall -Wextra -Werror}: a plain one on all 10,000 images, and one with AddressSanitizer and UndefinedBehaviorSanitizer, stopping at the first report,
 * on the first {@link #SANITIZED_IMAGES}.
 *
 * <p>The built-in models' FP32 baselines train one epoch on 2,048 images and are quantized by PTQ alone (the three
 * VGGSmall variants share one baseline), which keeps the class short: bit-exactness does not depend on how good the
 * weights are, only on real images driving real activations through every layer, which the test images do. The ONNX
 * nets come trained ({@code scripts/models/make_onnx_models.py}).
 */
class CReferenceFashionMnistTest {
    /**
     * Images the sanitized build runs (the plain -O2 build runs all): ASan and UBSan instrument every multiply-add,
     * which makes VGGSmall about 11 times slower (25-28 images per CPU second against 291). {@code
     * -Dshiftq.cref.sanitized-images=10000} runs them all.
     */
    private static final int SANITIZED_IMAGES = Integer.getInteger("shiftq.cref.sanitized-images", 500);

    @TempDir
    static Path data;

    static CReferenceRuns.Images images;
    static ImageSet test;
    static final Map<String, StateDict> BASELINES = new HashMap<>();
    static QuantizationEngine engine;

    @BeforeAll
    static void readTestImages() throws Exception {
        test = IdxReader.readSplit(Datasets.FASHION_MNIST_DIR, "t10k");
        Path idx = CProgram.uncompressedIdx(Datasets.FASHION_MNIST_DIR.resolve("t10k-images-idx3-ubyte.gz"), data);
        Path labels = CProgram.uncompressedIdx(Datasets.FASHION_MNIST_DIR.resolve("t10k-labels-idx1-ubyte.gz"), data);
        images = new CReferenceRuns.Images(idx, labels, test);
        engine = new QuantizationEngine();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "VGGSmall | W8A8 | 10000 | quantization: {weight: {bitwidth: 8}}",
                "VGGSmall | W4A8 per-channel | 10000 | quantization: {weight: {bitwidth: 4, per_channel: true}}",
                "VGGSmall | W4A4 | 10000 | quantization: {weight: {bitwidth: 4}, input: {bitwidth: 4}, output: {bitwidth: 4}}",
                "ResNetSmall | W8A8 | 10000 | quantization: {weight: {bitwidth: 8}}",
                "resnet_style | W8A8 per-channel | 10000 | quantization: {weight: {per_channel: true}}",
                "mobilenet_style | W8A8 per-channel | 10000 | quantization: {weight: {per_channel: true}}",
            })
    void theCReferenceGivesEveryCodeTheJavaExecutorGives(
            String model, String variant, int limit, String quantization, @TempDir Path dir) throws Exception {
        int count = Math.min(limit, Integer.getInteger("shiftq.cref.images", limit));
        PreparedJob job = PreparedJob.load(QuantizationConfig.parseYaml(config(model) + "\n" + quantization));
        StateDict fp32 = BASELINES.computeIfAbsent(
                model, m -> engine.job(job).baseline(TrainingListener.NONE).weights());
        StageResults.Ptq ptq = engine.job(job).ptq(fp32);
        StageResults.FinalPtq fin = engine.job(job).finalPtq(ptq.network(), ptq.weights());
        IntegerModel integer = IntegerModel.from(ptq.network(), ptq.weights(), fin.plan());
        if (job.config().data().normalize() != null) {
            integer = integer.withNormalization(
                    new IntegerModel.InputNormalization(new float[] {TestModels.MEAN}, new float[] {TestModels.STD}));
        }
        Deployment.Files files = Deployment.export(dir, integer);

        ImageSet set = job.config().data().normalize() == null
                ? test.limit(count)
                : test.limit(count).normalized(new float[] {TestModels.MEAN}, new float[] {TestModels.STD});
        long t0 = System.nanoTime();
        IntegerExecutor.Result java = new IntegerExecutor(integer).run(set.pixels());
        long javaMillis = (System.nanoTime() - t0) / 1_000_000;

        String what = model + " " + variant;
        CProgram plain = CProgram.compile(files.dir(), dir.resolve("shiftq_main"), List.of());
        CProgram.Run all = plain.run(images.idx(), images.labels(), count, dir);
        CReferenceRuns.assertSameCodes(what + " -O2", all, java);
        int checked = Math.min(count, SANITIZED_IMAGES);
        CProgram sanitized = CProgram.compile(files.dir(), dir.resolve("shiftq_main_sanitized"), CProgram.SANITIZED);
        CProgram.Run some = sanitized.run(images.idx(), images.labels(), checked, dir);
        CReferenceRuns.assertSameCodes(what + " -O2 ASan+UBSan", some, CReferenceRuns.first(java, checked));
        System.out.printf(
                Locale.ROOT,
                "%s: Java executor (2 threads) %d ms for %d images; C %s%n",
                what,
                javaMillis,
                count,
                all.output().strip().replace('\n', ','));
    }

    /** The job config of a model: built-in ones train a short baseline, ONNX ones are read trained. */
    private static String config(String model) {
        String common = """
                data: {dataset: FashionMNIST, train_limit: 2048, test_limit: 1000, batch_size: 64%s}
                baseline: {epochs: %s, learning_rate: 0.002}
                training: {epochs: 0}
                ptq: {calibration_batches: 8}
                """;
        if (model.endsWith("_style")) {
            return "model: {path: " + TestModels.model(model).toAbsolutePath() + "}\n"
                    + common.formatted(
                            String.format(
                                    Locale.ROOT,
                                    ", normalize: {mean: [%s], std: [%s]}",
                                    TestModels.MEAN,
                                    TestModels.STD),
                            0);
        }
        return "model: {name: " + model + "}\n" + common.formatted("", 1);
    }
}
