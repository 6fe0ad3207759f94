package io.shiftq.tools;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.model.BatchNormFolding;
import io.shiftq.engine.model.Models;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.nn.LoadedNetwork;
import io.shiftq.engine.onnx.OnnxImport;
import io.shiftq.engine.quant.QuantPlan;
import io.shiftq.engine.quant.QuantPolicy;
import io.shiftq.engine.train.Criterion;
import io.shiftq.engine.train.ParameterOptimizer;
import io.shiftq.schema.config.QuantizationSpec;
import io.shiftq.schema.config.TensorQuantConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The engine's side of scripts/benchmark.sh and scripts/bench/realsize.sh: ms per weight-only QAT step
 * (8-bit max-rule weights, AdamW) and FP32 evaluation images/s, the same work the PyTorch peer does.
 * Usage: {@code EngineBenchmark STEPS EVAL_BATCHES [RULE] [MODEL.onnx BATCH]}: without a model,
 * VGGSmall at 1x28x28, batch 64; with one, that ONNX file imported (OnnxImport.load) at its own input
 * shape. The weight exponent rule defaults to max, as the peers use; threads come from
 * SHIFTQ_INTRA_OP_THREADS.
 */
public final class EngineBenchmark {
    /** torch.optim.AdamW's default weight decay, which the PyTorch peer runs with. */
    private static final double TORCH_ADAMW_WEIGHT_DECAY = 0.01;

    private EngineBenchmark() {}

    /** Entry point; prints one JSON line. */
    public static void main(String[] args) throws IOException {
        int steps = Integer.parseInt(args[0]);
        int evalBatches = Integer.parseInt(args[1]);
        String rule = args.length > 2 ? args[2] : "max";
        Path onnx = args.length > 3 ? Path.of(args[3]) : null;
        int batch = args.length > 4 ? Integer.parseInt(args[4]) : 64;
        EngineSetup.start();
        BatchNormFolding.Folded f = folded(onnx);
        int[] in = f.network().inputShape();
        int classes = f.network().numClasses();
        TensorQuantConfig w8 = new TensorQuantConfig(8, true, true, false, rule, 99.99);
        TensorQuantConfig b32 = new TensorQuantConfig(32, true, true, false, "max", 99.99);
        QuantPolicy policy = new QuantPolicy(new QuantizationSpec(w8, w8, w8, b32));
        ParameterOptimizer opt = ParameterOptimizer.adamW(TORCH_ADAMW_WEIGHT_DECAY);
        try (NDManager m = NDManager.newBaseManager();
                LoadedNetwork model = new LoadedNetwork(f.network(), f.weights(), m)) {
            NDArray x = m.randomUniform(0, 1, new Shape(batch, in[0], in[1], in[2]));
            NDArray y = m.randomInteger(0, classes, new Shape(batch), DataType.INT32);
            for (int i = 0; i < 3; i++) {
                step(model, policy, opt, x, y);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                step(model, policy, opt, x, y);
            }
            double stepMs = (System.nanoTime() - t0) / 1e6 / steps;
            eval(model, x);
            t0 = System.nanoTime();
            for (int i = 0; i < evalBatches; i++) {
                eval(model, x);
            }
            double ips = (double) evalBatches * batch / ((System.nanoTime() - t0) / 1e9);
            System.out.printf(
                    Locale.ROOT,
                    "{\"peer\": \"shiftq engine (DJL %s, PyTorch %s)\", \"model\": \"%s\", \"rule\": \"%s\", "
                            + "\"threads\": %s, \"batch\": %d, \"size\": %d, "
                            + "\"qat_step_ms\": %.1f, \"eval_images_per_s\": %.1f}%n",
                    Engine.getDjlVersion(),
                    Engine.getInstance().getVersion(),
                    f.network().name(),
                    rule,
                    System.getProperty("ai.djl.pytorch.num_threads"),
                    batch,
                    in[2],
                    stepMs,
                    ips);
        }
    }

    /** The folded network timed: VGGSmall (seed 0) without a model file, else the imported ONNX model. */
    static BatchNormFolding.Folded folded(Path onnx) throws IOException {
        if (onnx == null) {
            Network vgg = Models.create("VGGSmall", 10, 1, 28, 28);
            return BatchNormFolding.fold(vgg, StateDict.initialize(vgg, 0));
        }
        OnnxImport.Imported imported = OnnxImport.load(onnx);
        return BatchNormFolding.fold(imported.network(), imported.weights());
    }

    /** One weight-only QAT step at learning rate 1e-4: what both benchmarks time. */
    static void step(LoadedNetwork model, QuantPolicy policy, ParameterOptimizer opt, NDArray x, NDArray y) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            QuantPlan plan = policy.weightPlan(model.network(), model.stateDict());
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(Criterion.CROSS_ENTROPY.loss(model.forward(x, plan, null, true), y));
            }
            opt.nextStep();
            model.trainable().forEach((name, w) -> opt.update(name, w, 1e-4));
        }
    }

    private static void eval(LoadedNetwork model, NDArray x) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            model.forward(x, QuantPlan.FLOAT, null, false).toFloatArray();
        }
    }
}
