package io.shiftq.tools;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.data.Batches;
import io.shiftq.engine.data.DataSplits;
import io.shiftq.engine.data.Datasets;
import io.shiftq.engine.data.ImageSource;
import io.shiftq.engine.model.BatchNormFolding;
import io.shiftq.engine.model.Models;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.nn.LoadedNetwork;
import io.shiftq.engine.quant.QuantPolicy;
import io.shiftq.engine.train.ParameterOptimizer;
import io.shiftq.schema.config.DataConfig;
import io.shiftq.schema.config.QuantizationSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The image loader's side of scripts/bench/loader.sh, on an image folder at 224x224 (Resize(256), CenterCrop(224),
 * ImageNet Normalize; batch 32): decode+transform images/s with the given workers, and ms per weight-only QAT step
 * (VGGSmall at 3x224x224, 8-bit weights) fed by the loader against the same batches already in memory.
 * Usage: {@code LoaderBench FOLDER WORKERS IMAGES STEPS}; prints one JSON line.
 */
public final class LoaderBench {
    private static final int BATCH = 32;

    private LoaderBench() {}

    /** Entry point. */
    public static void main(String[] args) {
        String folder = args[0];
        int workers = Integer.parseInt(args[1]);
        int images = Integer.parseInt(args[2]);
        int steps = Integer.parseInt(args[3]);
        DataConfig d = new DataConfig(
                "ImageFolder",
                folder,
                BATCH,
                images,
                0,
                new DataConfig.Normalize(List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225)),
                List.of(256),
                224,
                null,
                false,
                workers,
                2,
                false);
        DataSplits splits = Datasets.load(d);
        ImageSource train = splits.calibration();
        Batches batches = Batches.inOrder(train, BATCH, 0);
        batches.pixels(0);
        long t0 = System.nanoTime();
        for (int k = 1; k < batches.count(); k++) {
            batches.pixels(k);
        }
        double ips = (batches.images() - BATCH) / ((System.nanoTime() - t0) / 1e9);
        double[] stepMs = steps > 0 ? steps(train, steps) : new double[] {0, 0};
        System.out.printf(
                Locale.ROOT,
                "{\"loader\": \"shiftq ImageFolder (JDK ImageIO, Pillow bilinear)\", \"workers\": %d, \"images\": %d,"
                        + " \"decode_transform_images_per_s\": %.1f, \"qat_step_ms_from_loader\": %.1f,"
                        + " \"qat_step_ms_from_memory\": %.1f}%n",
                workers,
                batches.images(),
                ips,
                stepMs[0],
                stepMs[1]);
    }

    /** ms per QAT step fed by the loader, then by the same batches held in memory. */
    private static double[] steps(ImageSource train, int steps) {
        EngineSetup.start();
        Network full = Models.create("VGGSmall", 10, 3, 224, 224);
        BatchNormFolding.Folded f = BatchNormFolding.fold(full, StateDict.initialize(full, 0));
        QuantPolicy policy = new QuantPolicy(QuantizationSpec.defaults());
        ParameterOptimizer opt = ParameterOptimizer.adamW(0);
        try (NDManager m = NDManager.newBaseManager();
                LoadedNetwork model = new LoadedNetwork(f.network(), f.weights(), m)) {
            Batches loader = Batches.shuffled(train, BATCH, 1);
            EngineBenchmark.step(model, policy, opt, loader.images(m, 0), loader.labels(m, 0));
            long t0 = System.nanoTime();
            for (int k = 1; k <= steps; k++) {
                EngineBenchmark.step(model, policy, opt, loader.images(m, k), loader.labels(m, k));
            }
            double fromLoader = (System.nanoTime() - t0) / 1e6 / steps;
            List<NDArray[]> held = new ArrayList<>();
            Batches again = Batches.shuffled(train, BATCH, 1);
            for (int k = 1; k <= steps; k++) {
                held.add(new NDArray[] {again.images(m, k), again.labels(m, k)});
            }
            t0 = System.nanoTime();
            for (NDArray[] xy : held) {
                EngineBenchmark.step(model, policy, opt, xy[0], xy[1]);
            }
            double fromMemory = (System.nanoTime() - t0) / 1e6 / steps;
            return new double[] {fromLoader, fromMemory};
        }
    }
}
