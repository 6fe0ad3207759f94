package io.shiftq.tools;

import io.shiftq.engine.data.Datasets;
import io.shiftq.engine.data.IdxReader;
import io.shiftq.engine.data.ImageSet;
import io.shiftq.engine.deploy.c.CProgram;
import io.shiftq.engine.deploy.exec.IntegerExecutor;
import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.deploy.ops.RoundingMode;
import io.shiftq.engine.pipeline.PipelineRun;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.config.QuantizationConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The C reference's speed beside the Java integer executor's (scripts/bench/c_reference.sh): runs a job config to
 * its deployment files, then times the Java executor on one thread and on two over the first JAVA_IMAGES
 * Fashion-MNIST test images, and {@code shiftq_main} built with {@code gcc -O2} (no sanitizers; one process, so one
 * core) over all 10,000, and checks that all three give the same logit codes where they overlap. Usage:
 * {@code CReferenceBench CONFIG.yaml OUT_DIR [JAVA_IMAGES]} (default 500); prints one JSON line.
 */
public final class CReferenceBench {
    /** Images in the Fashion-MNIST test set. */
    private static final int TEST_IMAGES = 10_000;

    private CReferenceBench() {}

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        QuantizationConfig config = QuantizationConfig.load(Path.of(args[0]));
        Path out = Path.of(args[1]);
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        Path deploy = out.resolve("deploy");
        PipelineRun.Outcome job = new PipelineRun(new QuantizationEngine())
                .run("c-reference-bench", config, TrainingListener.NONE, deploy);
        IntegerModel model = IntegerExecutor.load(deploy).model();

        ImageSet test = IdxReader.readSplit(Datasets.FASHION_MNIST_DIR, "t10k").limit(count);
        if (model.normalization() != null) {
            test = test.normalized(
                    model.normalization().mean(), model.normalization().std());
        }
        // One thread runs in this thread, so its CPU time compares with the C program's clock(): both are immune to
        // other work on the machine, which wall time is not.
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        long c0 = cpu.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        IntegerExecutor.Result one = new IntegerExecutor(model, RoundingMode.HALF_UP, 1).run(test.pixels());
        double javaOneWall = count / ((System.nanoTime() - t0) / 1e9);
        double javaOne = count / ((cpu.getCurrentThreadCpuTime() - c0) / 1e9);
        t0 = System.nanoTime();
        IntegerExecutor.Result two = new IntegerExecutor(model, RoundingMode.HALF_UP, 2).run(test.pixels());
        double javaTwo = count / ((System.nanoTime() - t0) / 1e9);

        Files.createDirectories(out);
        Path images = CProgram.uncompressedIdx(Datasets.FASHION_MNIST_DIR.resolve("t10k-images-idx3-ubyte.gz"), out);
        Path labels = CProgram.uncompressedIdx(Datasets.FASHION_MNIST_DIR.resolve("t10k-labels-idx1-ubyte.gz"), out);
        CProgram c = CProgram.compile(deploy, out.resolve("shiftq_main"), List.of());
        CProgram.Run run = c.run(images, labels, TEST_IMAGES, out);
        boolean same = Arrays.deepEquals(Arrays.copyOf(run.codes(), count), one.codes())
                && Arrays.deepEquals(one.codes(), two.codes());
        System.out.printf(
                Locale.ROOT,
                "{\"model\": \"%s\", \"final_accuracy\": %.2f, \"c_images\": %d, \"java_images\": %d,"
                        + " \"c_o2_images_per_s\": %.0f, \"java_1_thread_images_per_s\": %.0f,"
                        + " \"java_1_thread_wall_images_per_s\": %.0f, \"java_2_threads_wall_images_per_s\": %.0f,"
                        + " \"c_vs_java_1_thread\": %.1f, \"same_codes\": %b}%n",
                model.network(),
                job.report().finalAccuracy(),
                run.predictions().length,
                count,
                run.imagesPerSecond(),
                javaOne,
                javaOneWall,
                javaTwo,
                run.imagesPerSecond() / javaOne,
                same);
        if (!same) {
            System.exit(1);
        }
    }
}
