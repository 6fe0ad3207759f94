package io.shiftq.engine.pipeline;

import ai.djl.ndarray.NDManager;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.data.ImageSource;
import io.shiftq.engine.deploy.Agreement;
import io.shiftq.engine.deploy.Deployment;
import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.io.WeightFiles;
import io.shiftq.engine.model.BatchNormFolding;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.nn.LoadedNetwork;
import io.shiftq.engine.quant.ActivationObserver;
import io.shiftq.engine.quant.ActivationSink;
import io.shiftq.engine.quant.ActivationStats;
import io.shiftq.engine.quant.BiasCorrection;
import io.shiftq.engine.quant.CrossLayerEqualization;
import io.shiftq.engine.quant.QuantPlan;
import io.shiftq.engine.quant.QuantPolicy;
import io.shiftq.engine.train.Criterion;
import io.shiftq.engine.train.Evaluation;
import io.shiftq.engine.train.LearnedRounding;
import io.shiftq.engine.train.LearningRateSchedule;
import io.shiftq.engine.train.ParameterOptimizer;
import io.shiftq.engine.train.TrainingDivergedException;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.engine.train.TrainingLoop;
import io.shiftq.schema.config.DataConfig;
import io.shiftq.schema.config.OptimizerConfig;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.config.SchedulerConfig;
import io.shiftq.schema.config.TrainingConfig;
import io.shiftq.schema.report.EpochResult;
import io.shiftq.schema.report.Hundredths;
import io.shiftq.schema.report.IntegerCheck;
import io.shiftq.schema.report.ShiftRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The three steps as plain calls: FP32 baseline, step 1 PTQ of weights and biases, step 2
 * weight-only QAT, step 3 final PTQ of inputs and outputs. Services call these one by one; the
 * CLI and benchmarks call {@link PipelineRun} which chains them.
 */
public final class QuantizationEngine {
    private static final Logger LOG = LoggerFactory.getLogger(QuantizationEngine.class);
    /** Weight decay of the FP32 baseline's AdamW: light, since the demo trains one short epoch. */
    private static final double BASELINE_WEIGHT_DECAY = 1e-4;

    /** Starts DJL (offline, thread counts set). */
    public QuantizationEngine() {
        EngineSetup.start();
    }

    /**
     * The FP32 model: read from the ONNX file of {@code model.path}, or loaded from {@code model.weights} when given,
     * else initialized and, when {@code baseline.epochs > 0}, trained; then evaluated.
     */
    public StepResults.Baseline baseline(PreparedJob w, TrainingListener listener) {
        QuantizationConfig c = w.config();
        boolean given = w.onnxWeights() != null
                || (c.model().weights() != null && !c.model().weights().isBlank());
        StateDict weights = w.onnxWeights() != null
                ? w.onnxWeights()
                : !given
                        ? StateDict.initialize(w.network(), c.training().seed())
                        : WeightFiles.load(
                                w.network(), Path.of(c.model().weights().replaceFirst("^file:", "")));
        try (NDManager manager = NDManager.newBaseManager();
                LoadedNetwork model = new LoadedNetwork(w.network(), weights, manager)) {
            List<EpochResult> epochs = List.of();
            OptionalDouble trainedAccuracy = OptionalDouble.empty();
            if (!given && c.baseline().epochs() > 0) {
                TrainingLoop loop = new TrainingLoop(new TrainingLoop.Settings(
                        c.baseline().epochs(),
                        c.data().batchSize(),
                        Criterion.parse(c.training().criterion()),
                        ParameterOptimizer.adamW(BASELINE_WEIGHT_DECAY),
                        new LearningRateSchedule(
                                "CosineAnnealingLR",
                                c.baseline().learningRate(),
                                1,
                                1,
                                c.baseline().epochs(),
                                0,
                                false),
                        c.training().seed(),
                        c.ptq().maxEvalBatches()));
                TrainingLoop.Result r = loop.run(
                        model,
                        w.data().train(),
                        w.data().test(),
                        m -> QuantPlan.FLOAT,
                        listener,
                        OptionalDouble.of(Double.NEGATIVE_INFINITY));
                String divergence = r.divergence(c.model().numClasses());
                if (divergence != null) {
                    throw new TrainingDivergedException(
                            "the FP32 baseline",
                            divergence,
                            "baseline.learning_rate",
                            c.baseline().learningRate());
                }
                epochs = r.epochs();
                trainedAccuracy = OptionalDouble.of(r.bestAccuracy());
            }
            // After training the model holds the best epoch's parameters, whose accuracy the loop measured with
            // these very settings: measuring it again would take as long as an epoch's evaluation and give the same.
            double acc = trainedAccuracy.isPresent()
                    ? trainedAccuracy.getAsDouble()
                    : Evaluation.accuracy(
                            model,
                            w.data().test(),
                            QuantPlan.FLOAT,
                            c.data().batchSize(),
                            c.ptq().maxEvalBatches());
            return new StepResults.Baseline(model.stateDict(), acc, epochs);
        }
    }

    /** FP32 activation statistics of every layer's input and output over the calibration batches. */
    public Map<String, ActivationStats> activationStats(PreparedJob w, StateDict fp32) {
        BatchNormFolding.Folded f = BatchNormFolding.fold(w.network(), fp32);
        return calibrate(w, f.network(), f.weights(), QuantPlan.FLOAT);
    }

    /**
     * Step 1: fold BatchNorm, quantize weights and biases, measure accuracy. Optionally first
     * equalize channel ranges across layers ({@code ptq.cross_layer_equalization}), move the
     * biases by the mean shift weight rounding causes ({@code ptq.bias_correction}), and learn each
     * weight's rounding ({@code ptq.rounding: learned}).
     */
    public StepResults.Ptq ptq(PreparedJob w, StateDict fp32) {
        return ptq(w, fp32, TrainingListener.NONE);
    }

    /** Step 1, as {@link #ptq(PreparedJob, StateDict)}, telling the listener the progress of learned rounding. */
    public StepResults.Ptq ptq(PreparedJob w, StateDict fp32, TrainingListener listener) {
        BatchNormFolding.Folded f = BatchNormFolding.fold(w.network(), fp32);
        policy(w).checkTarget(f.network());
        StateDict weights = w.config().ptq().crossLayerEqualization()
                ? CrossLayerEqualization.equalize(f.network(), f.weights())
                : f.weights();
        StateDict reference = weights;
        QuantPlan plan = policy(w).weightPlan(f.network(), weights);
        if (w.config().ptq().biasCorrection()) {
            BiasCorrection.InputMeans means =
                    observe(w, f.network(), weights, QuantPlan.FLOAT, new BiasCorrection.InputMeans());
            weights = BiasCorrection.correct(f.network(), weights, plan, means);
            plan = policy(w).weightPlan(f.network(), weights);
        }
        long roundingMs = 0;
        if (w.config().ptq().learnedRounding()) {
            long t0 = System.nanoTime();
            weights = learnedRounding(w)
                    .round(f.network(), reference, weights, plan, w.data().calibration(), listener);
            roundingMs = (System.nanoTime() - t0) / 1_000_000;
            plan = policy(w).weightPlan(f.network(), weights);
        }
        double acc = accuracy(w, f.network(), weights, plan);
        return new StepResults.Ptq(
                f.network(), weights, plan, acc, records(w, f.network(), plan, weights, Map.of(), true), roundingMs);
    }

    private static LearnedRounding learnedRounding(PreparedJob w) {
        return new LearnedRounding(new LearnedRounding.Settings(
                w.config().ptq().roundingIterations(),
                w.config().data().batchSize(),
                w.config().ptq().calibrationBatches(),
                w.config().training().seed()));
    }

    /**
     * Step 2: weight-only QAT from the folded weights, re-deriving weight exponents from the live
     * weights at every step; keeps the best epoch. {@code training.epochs: 0} skips.
     */
    public StepResults.Qat qat(PreparedJob w, Network folded, StateDict weights, TrainingListener listener) {
        return qat(w, folded, weights, listener, OptionalDouble.empty());
    }

    /**
     * Step 2, as {@link #qat(PreparedJob, Network, StateDict, TrainingListener)}, given step 1's accuracy of these
     * very weights (measured with the same plan and test set), which QAT's starting point then need not measure again.
     */
    public StepResults.Qat qat(
            PreparedJob w, Network folded, StateDict weights, TrainingListener listener, OptionalDouble ptqAccuracy) {
        QuantPolicy policy = policy(w);
        TrainingConfig t = w.config().training();
        if (t.epochs() == 0) {
            QuantPlan plan = policy.weightPlan(folded, weights);
            return new StepResults.Qat(
                    weights,
                    List.of(),
                    ptqAccuracy.orElseGet(() -> accuracy(w, folded, weights, plan)),
                    0,
                    plan,
                    records(w, folded, plan, weights, Map.of(), true),
                    true);
        }
        try (NDManager manager = NDManager.newBaseManager();
                LoadedNetwork model = new LoadedNetwork(folded, weights, manager)) {
            Function<LoadedNetwork, QuantPlan> planFor = m -> policy.weightPlan(folded, m.stateDict());
            TrainingLoop.Result r = new TrainingLoop(settings(w))
                    .run(model, w.data().train(), w.data().test(), planFor, listener, ptqAccuracy);
            // QAT keeps its best epoch, so a diverged run would silently hand on the PTQ weights: say so instead.
            String divergence =
                    r.bestEpoch() == 0 ? r.divergence(w.config().model().numClasses()) : null;
            if (divergence != null) {
                throw new TrainingDivergedException("QAT", divergence, "training.learning_rate", t.learningRate());
            }
            // Some steps skipped: the epochs' skipped_steps in the report say how many.
            if (r.skippedSteps() > 0) {
                LOG.warn(
                        "QAT skipped {} steps with a non-finite loss or gradient; consider a lower training.learning_rate",
                        r.skippedSteps());
            }
            QuantPlan plan = policy.weightPlan(folded, r.best());
            return new StepResults.Qat(
                    r.best(),
                    r.epochs(),
                    r.bestAccuracy(),
                    r.bestEpoch(),
                    plan,
                    records(w, folded, plan, r.best(), Map.of(), true),
                    false);
        }
    }

    /**
     * Step 3: calibrate every layer's input and output on {@code ptq.calibration_batches} training
     * batches (weights already quantized, as deployed), put biases at w + i, evaluate the fully
     * quantized model. {@code pipeline.final_ptq: false} keeps the weight-only plan.
     */
    public StepResults.FinalPtq finalPtq(PreparedJob w, Network folded, StateDict weights) {
        QuantPolicy policy = policy(w);
        policy.checkTarget(folded);
        QuantPlan weightPlan = policy.weightPlan(folded, weights);
        if (!w.config().pipeline().finalPtq()) {
            return new StepResults.FinalPtq(
                    weightPlan,
                    accuracy(w, folded, weights, weightPlan),
                    records(w, folded, weightPlan, weights, Map.of(), true),
                    Map.of(),
                    ShiftRecords.size(folded, weights, weightPlan),
                    true,
                    null);
        }
        Map<String, ActivationStats> stats = calibrate(w, folded, weights, weightPlan);
        QuantPlan plan = policy.fullPlan(folded, weights, stats);
        // The accuracy comes from logits kept for the deployment check, which then compares the integer executor
        // with them instead of running the fake-quant model over the test set a second time.
        ImageSource test = evaluationSet(w);
        Agreement.Logits logits =
                Agreement.logits(folded, weights, plan, test, w.config().data().batchSize());
        return new StepResults.FinalPtq(
                plan,
                logits.accuracy(test.labels()),
                records(w, folded, plan, weights, stats, false),
                stats,
                ShiftRecords.size(folded, weights, plan),
                false,
                logits);
    }

    /** The job's test set limited to ptq.max_eval_batches batches, as every evaluation uses it. */
    private static ImageSource evaluationSet(PreparedJob w) {
        int max = w.config().ptq().maxEvalBatches();
        return max <= 0
                ? w.data().test()
                : w.data().test().limit(max * w.config().data().batchSize());
    }

    /**
     * Exports the fully quantized model (integer weights.npz, model.json, C header and C reference, AIMET
     * encodings, ONNX QDQ) into dir, then runs the integer executor on those files alone over the
     * test set (limited by ptq.max_eval_batches) and compares it with fake-quant image by image.
     */
    public StepResults.Deployed deploy(PreparedJob w, Network folded, StateDict weights, QuantPlan plan, Path dir) {
        return deploy(w, folded, weights, plan, null, dir);
    }

    /**
     * As {@link #deploy(PreparedJob, Network, StateDict, QuantPlan, Path)}, comparing the integer executor with
     * step 3's fake-quant logits (from {@link StepResults.FinalPtq#logits()}) when given instead of recomputing them.
     */
    public StepResults.Deployed deploy(
            PreparedJob w, Network folded, StateDict weights, QuantPlan plan, Agreement.Logits logits, Path dir) {
        try {
            IntegerModel model = IntegerModel.from(folded, weights, plan);
            if (w.config().target().constrains()) {
                model = model.withTarget(new IntegerModel.Target(
                        w.config().target().profile(), w.config().target().resolved()));
            }
            DataConfig.Normalize n = w.config().data().normalize();
            if (n != null) {
                model = model.withNormalization(new IntegerModel.InputNormalization(floats(n.mean()), floats(n.std())));
            }
            Deployment.Files files = Deployment.export(dir, model);
            ImageSource test = evaluationSet(w);
            Agreement.Result r = logits != null
                    ? Agreement.check(dir, logits, test)
                    : Agreement.check(
                            dir, folded, weights, plan, test, w.config().data().batchSize());
            return new StepResults.Deployed(
                    files,
                    new IntegerCheck(
                            r.images(),
                            Hundredths.round(r.integerAccuracy()),
                            Hundredths.round(r.fakeQuantAccuracy()),
                            r.predictionMismatches(),
                            r.logitMismatches(),
                            ShiftRecord.HALF_UP));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the deployment files to " + dir, e);
        }
    }

    /** Accuracy of a model under a plan on the job's test set (limited by ptq.max_eval_batches). */
    public double accuracy(PreparedJob w, Network network, StateDict weights, QuantPlan plan) {
        try (NDManager manager = NDManager.newBaseManager();
                LoadedNetwork model = new LoadedNetwork(network, weights, manager)) {
            return Evaluation.accuracy(
                    model,
                    w.data().test(),
                    plan,
                    w.config().data().batchSize(),
                    w.config().ptq().maxEvalBatches());
        }
    }

    private Map<String, ActivationStats> calibrate(PreparedJob w, Network network, StateDict weights, QuantPlan plan) {
        return observe(w, network, weights, plan, new ActivationObserver()).snapshot();
    }

    /** Runs the calibration batches through the model under the plan, showing every activation to the sink. */
    private static <S extends ActivationSink> S observe(
            PreparedJob w, Network network, StateDict weights, QuantPlan plan, S sink) {
        try (NDManager manager = NDManager.newBaseManager();
                LoadedNetwork model = new LoadedNetwork(network, weights, manager)) {
            Evaluation.calibrate(
                    model,
                    w.data().calibration(),
                    plan,
                    w.config().data().batchSize(),
                    w.config().ptq().calibrationBatches(),
                    sink);
        }
        return sink;
    }

    private static float[] floats(List<Double> v) {
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i).floatValue();
        }
        return out;
    }

    private static QuantPolicy policy(PreparedJob w) {
        return new QuantPolicy(w.config().quantization(), w.config().target());
    }

    /** Shift records checked against the job's hardware target (none for the generic profile). */
    private static List<ShiftRecord> records(
            PreparedJob w,
            Network network,
            QuantPlan plan,
            StateDict weights,
            Map<String, ActivationStats> stats,
            boolean provisionalBias) {
        return ShiftRecords.of(
                network,
                plan,
                weights,
                stats,
                provisionalBias,
                w.config().target().resolved());
    }

    private static TrainingLoop.Settings settings(PreparedJob w) {
        TrainingConfig t = w.config().training();
        OptimizerConfig o = t.optimizer();
        SchedulerConfig s = t.scheduler();
        ParameterOptimizer optimizer = ParameterOptimizer.of(o, t.weightDecay());
        LearningRateSchedule schedule = new LearningRateSchedule(
                s.type(),
                t.learningRate(),
                s.stepSize(),
                s.gamma(),
                s.tMax() == 0 ? t.epochs() : s.tMax(),
                s.etaMin(),
                "step".equals(s.interval()));
        return new TrainingLoop.Settings(
                t.epochs(),
                w.config().data().batchSize(),
                Criterion.parse(t.criterion()),
                optimizer,
                schedule,
                t.seed(),
                w.config().ptq().maxEvalBatches());
    }
}
