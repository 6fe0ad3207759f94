package io.shiftq.engine.pipeline;

import ai.djl.ndarray.NDManager;
import io.shiftq.engine.data.ImageSource;
import io.shiftq.engine.deploy.Deployment;
import io.shiftq.engine.deploy.IntegerChecker;
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
import io.shiftq.engine.quant.TensorQuant;
import io.shiftq.engine.train.Criterion;
import io.shiftq.engine.train.Evaluation;
import io.shiftq.engine.train.LearnedRounding;
import io.shiftq.engine.train.LearnedThresholds;
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
 * The engine for one prepared job: its stages as plain calls (the FP32 baseline of the calibration stage, the ptq
 * stage's weights and biases, the qat stage's weight-only QAT, the final_ptq stage's inputs and outputs, the
 * deployment). Made by {@link QuantizationEngine#job(PreparedJob)}; services call the stages one by one, the CLI and
 * benchmarks call {@link PipelineRun}, which chains them.
 */
public final class JobEngine {
    private static final Logger LOG = LoggerFactory.getLogger(JobEngine.class);
    /** Weight decay of the FP32 baseline's AdamW: light, since the demo trains one short epoch. */
    private static final double BASELINE_WEIGHT_DECAY = 1e-4;

    private final PreparedJob job;

    JobEngine(PreparedJob job) {
        this.job = job;
    }

    /** The prepared job (data, network, config) this engine runs. */
    public PreparedJob prepared() {
        return job;
    }

    /**
     * The FP32 model: read from the ONNX file of {@code model.path}, or loaded from {@code model.weights} when given,
     * else initialized; then, when {@code baseline.epochs > 0}, trained (given weights are fine-tuned on the
     * job's data); then evaluated.
     */
    public StageResults.Baseline baseline(TrainingListener listener) {
        QuantizationConfig c = job.config();
        boolean given = job.onnxWeights() != null
                || (c.model().weights() != null && !c.model().weights().isBlank());
        StateDict weights = job.onnxWeights() != null
                ? job.onnxWeights()
                : !given
                        ? StateDict.initialize(job.network(), c.training().seed())
                        : WeightFiles.load(
                                job.network(), Path.of(c.model().weights().replaceFirst("^file:", "")));
        try (NDManager manager = NDManager.newBaseManager();
                LoadedNetwork model = new LoadedNetwork(job.network(), weights, manager)) {
            List<EpochResult> epochs = List.of();
            OptionalDouble trainedAccuracy = OptionalDouble.empty();
            if (c.baseline().epochs() > 0) {
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
                        job.data().train(),
                        job.data().test(),
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
                            job.data().test(),
                            QuantPlan.FLOAT,
                            c.data().batchSize(),
                            c.ptq().maxEvalBatches());
            return new StageResults.Baseline(model.stateDict(), acc, epochs);
        }
    }

    /** FP32 activation statistics of every layer's input and output over the calibration batches. */
    public Map<String, ActivationStats> activationStats(StateDict fp32) {
        BatchNormFolding.Folded f = BatchNormFolding.fold(job.network(), fp32);
        return calibrate(f.network(), f.weights(), QuantPlan.FLOAT);
    }

    /**
     * The ptq stage: fold BatchNorm, quantize weights and biases, measure accuracy. Optionally first
     * equalize channel ranges across layers ({@code ptq.cross_layer_equalization}), move the
     * biases by the mean shift weight rounding causes ({@code ptq.bias_correction}), and learn each
     * weight's rounding ({@code ptq.rounding: learned}).
     */
    public StageResults.Ptq ptq(StateDict fp32) {
        return ptq(fp32, TrainingListener.NONE);
    }

    /** The ptq stage, as {@link #ptq(StateDict)}, telling the listener the progress of learned rounding. */
    public StageResults.Ptq ptq(StateDict fp32, TrainingListener listener) {
        BatchNormFolding.Folded f = BatchNormFolding.fold(job.network(), fp32);
        policy().checkTarget(f.network());
        StateDict weights = job.config().ptq().crossLayerEqualization()
                ? CrossLayerEqualization.equalize(f.network(), f.weights())
                : f.weights();
        StateDict reference = weights;
        QuantPlan plan = policy().weightPlan(f.network(), weights);
        if (job.config().ptq().biasCorrection()) {
            BiasCorrection.InputMeans means =
                    observe(f.network(), weights, QuantPlan.FLOAT, new BiasCorrection.InputMeans());
            weights = BiasCorrection.correct(f.network(), weights, plan, means);
            plan = policy().weightPlan(f.network(), weights);
        }
        long roundingMs = 0;
        if (job.config().ptq().learnedRounding()) {
            long t0 = System.nanoTime();
            weights = learnedRounding()
                    .round(f.network(), reference, weights, plan, job.data().calibration(), listener);
            roundingMs = (System.nanoTime() - t0) / 1_000_000;
            plan = policy().weightPlan(f.network(), weights);
        }
        double acc = accuracy(f.network(), weights, plan);
        return new StageResults.Ptq(
                f.network(), weights, plan, acc, records(f.network(), plan, weights, Map.of(), true), roundingMs);
    }

    private LearnedRounding learnedRounding() {
        return new LearnedRounding(new LearnedRounding.Settings(
                job.config().ptq().roundingIterations(),
                job.config().data().batchSize(),
                job.config().ptq().calibrationBatches(),
                job.config().training().seed()));
    }

    /**
     * The qat stage: weight-only QAT from the folded weights, re-deriving weight exponents from the live
     * weights at every step; keeps the best epoch. {@code training.epochs: 0} skips.
     */
    public StageResults.Qat qat(Network folded, StateDict weights, TrainingListener listener) {
        return qat(folded, weights, listener, OptionalDouble.empty());
    }

    /**
     * The qat stage, as {@link #qat(Network, StateDict, TrainingListener)}, given the ptq stage's accuracy of these
     * very weights (measured with the same plan and test set), which QAT's starting point then need not measure again.
     */
    public StageResults.Qat qat(
            Network folded, StateDict weights, TrainingListener listener, OptionalDouble ptqAccuracy) {
        QuantPolicy policy = policy();
        TrainingConfig t = job.config().training();
        if (t.epochs() == 0) {
            QuantPlan plan = policy.weightPlan(folded, weights);
            return new StageResults.Qat(
                    weights,
                    List.of(),
                    ptqAccuracy.orElseGet(() -> accuracy(folded, weights, plan)),
                    0,
                    plan,
                    records(folded, plan, weights, Map.of(), true),
                    true,
                    Map.of(),
                    0,
                    0);
        }
        if (t.learnedThresholds()) {
            return qatWithLearnedThresholds(folded, weights, listener);
        }
        try (NDManager manager = NDManager.newBaseManager();
                LoadedNetwork model = new LoadedNetwork(folded, weights, manager)) {
            Function<LoadedNetwork, QuantPlan> planFor = m -> policy.weightPlan(folded, m.stateDict());
            TrainingLoop.Result r = new TrainingLoop(settings())
                    .run(model, job.data().train(), job.data().test(), planFor, listener, ptqAccuracy);
            return trained(folded, r, Map.of(), 0, 0);
        }
    }

    /**
     * The qat stage's result from a training run, refused when it diverged; the records are weight-only either way
     * (the final_ptq stage writes the input and output ones).
     */
    private StageResults.Qat trained(
            Network folded, TrainingLoop.Result r, Map<String, TensorQuant> thresholds, long thresholdsMs, int moved) {
        // QAT keeps its best epoch, so a diverged run would silently hand on the PTQ weights: say so instead.
        String divergence =
                r.bestEpoch() == 0 ? r.divergence(job.config().model().numClasses()) : null;
        if (divergence != null) {
            throw new TrainingDivergedException(
                    "QAT",
                    divergence,
                    "training.learning_rate",
                    job.config().training().learningRate());
        }
        // Some steps skipped: the epochs' skipped_steps in the report say how many.
        if (r.skippedSteps() > 0) {
            LOG.warn(
                    "QAT skipped {} steps with a non-finite loss or gradient; consider a lower training.learning_rate",
                    r.skippedSteps());
        }
        QuantPlan plan = policy().weightPlan(folded, r.best());
        return new StageResults.Qat(
                r.best(),
                r.epochs(),
                r.bestAccuracy(),
                r.bestEpoch(),
                plan,
                records(folded, plan, r.best(), Map.of(), true),
                false,
                thresholds,
                thresholdsMs,
                moved);
    }

    /**
     * The qat stage with {@code training.thresholds: learned} (TQT): the input and output quantizers run during QAT
     * too, each with a trainable log2 threshold started from the calibration the final_ptq stage would do on these
     * weights, and trained by Adam at {@code training.threshold_learning_rate} beside the weights. The starting
     * accuracy is measured under that full plan, so the best epoch competes with it.
     */
    private StageResults.Qat qatWithLearnedThresholds(Network folded, StateDict weights, TrainingListener listener) {
        QuantPolicy policy = policy();
        TrainingConfig t = job.config().training();
        long t0 = System.nanoTime();
        Map<String, ActivationStats> stats = calibrate(folded, weights, policy.weightPlan(folded, weights));
        Map<String, TensorQuant> calibrated = policy.calibratedActivations(folded, weights, stats);
        long calibrationMs = (System.nanoTime() - t0) / 1_000_000;
        try (NDManager manager = NDManager.newBaseManager();
                LoadedNetwork model = new LoadedNetwork(folded, weights, manager)) {
            LearnedThresholds thresholds = new LearnedThresholds(calibrated, manager, t.thresholdLearningRate());
            model.quantizeActivationsWith(thresholds);
            Function<LoadedNetwork, QuantPlan> planFor =
                    m -> policy.learnedPlan(folded, m.stateDict(), thresholds.quantizers());
            TrainingLoop.Result r = new TrainingLoop(settings(), thresholds)
                    .run(model, job.data().train(), job.data().test(), planFor, listener, OptionalDouble.empty());
            Map<String, TensorQuant> learned = thresholds.quantizers();
            LOG.info(
                    "learned thresholds: {} of {} input and output exponents moved from calibration (best epoch {})",
                    thresholds.moved(),
                    learned.size(),
                    r.bestEpoch());
            return trained(folded, r, learned, calibrationMs + thresholds.updateMillis(), thresholds.moved());
        }
    }

    /**
     * The final_ptq stage: calibrate every layer's input and output on {@code ptq.calibration_batches} training
     * batches (weights already quantized, as deployed), put biases at w + i, evaluate the fully
     * quantized model. {@code pipeline.final_ptq: false} keeps the weight-only plan.
     */
    public StageResults.FinalPtq finalPtq(Network folded, StateDict weights) {
        return finalPtq(folded, weights, Map.of());
    }

    /**
     * The final_ptq stage, as {@link #finalPtq(Network, StateDict)}, keeping the input and output quantizers QAT
     * learned ({@link StageResults.Qat#thresholds()}) in place of calibrated ones unless {@code
     * training.recalibrate_thresholds} asks for calibration; an empty map calibrates. A hardware target still moves
     * exponents into its limits. Calibration runs either way, for the statistics the shift records report.
     */
    public StageResults.FinalPtq finalPtq(Network folded, StateDict weights, Map<String, TensorQuant> learned) {
        QuantPolicy policy = policy();
        policy.checkTarget(folded);
        QuantPlan weightPlan = policy.weightPlan(folded, weights);
        if (!job.config().pipeline().finalPtq()) {
            return new StageResults.FinalPtq(
                    weightPlan,
                    accuracy(folded, weights, weightPlan),
                    records(folded, weightPlan, weights, Map.of(), true),
                    Map.of(),
                    ShiftRecords.size(folded, weights, weightPlan),
                    true,
                    null);
        }
        Map<String, ActivationStats> stats = calibrate(folded, weights, weightPlan);
        boolean keep = !learned.isEmpty() && !job.config().training().recalibrateThresholds();
        QuantPlan plan = keep
                ? policy.constrained(folded, policy.learnedPlan(folded, weights, learned), weights, stats)
                : policy.fullPlan(folded, weights, stats);
        // The accuracy comes from logits kept for the deployment check, which then compares the integer executor
        // with them instead of running the fake-quant model over the test set a second time.
        ImageSource test = evaluationSet();
        IntegerChecker.Logits logits = IntegerChecker.logits(
                folded, weights, plan, test, job.config().data().batchSize());
        return new StageResults.FinalPtq(
                plan,
                logits.accuracy(test.labels()),
                records(folded, plan, weights, stats, false),
                stats,
                ShiftRecords.size(folded, weights, plan),
                false,
                logits);
    }

    /** The job's test set limited to ptq.max_eval_batches batches, as every evaluation uses it. */
    private ImageSource evaluationSet() {
        int max = job.config().ptq().maxEvalBatches();
        return max <= 0
                ? job.data().test()
                : job.data().test().limit(max * job.config().data().batchSize());
    }

    /**
     * Exports the fully quantized model (integer weights.npz, model.json, C header and C reference, AIMET
     * encodings, ONNX QDQ) into dir, then runs the integer executor on those files alone over the
     * test set (limited by ptq.max_eval_batches) and compares it with fake-quant image by image.
     */
    public StageResults.Deployed deploy(Network folded, StateDict weights, QuantPlan plan, Path dir) {
        return deploy(folded, weights, plan, null, dir);
    }

    /**
     * As {@link #deploy(Network, StateDict, QuantPlan, Path)}, comparing the integer executor with
     * the final_ptq stage's fake-quant logits (from {@link StageResults.FinalPtq#logits()}) when given instead of recomputing them.
     */
    public StageResults.Deployed deploy(
            Network folded, StateDict weights, QuantPlan plan, IntegerChecker.Logits logits, Path dir) {
        try {
            IntegerModel model = IntegerModel.from(folded, weights, plan);
            if (job.config().target().constrains()) {
                model = model.withTarget(new IntegerModel.Target(
                        job.config().target().profile(), job.config().target().resolved()));
            }
            DataConfig.Normalize n = job.config().data().normalize();
            if (n != null) {
                model = model.withNormalization(new IntegerModel.InputNormalization(floats(n.mean()), floats(n.std())));
            }
            Deployment.Files files = Deployment.export(dir, model);
            ImageSource test = evaluationSet();
            IntegerChecker.Result r = logits != null
                    ? IntegerChecker.check(dir, logits, test)
                    : IntegerChecker.check(
                            dir,
                            folded,
                            weights,
                            plan,
                            test,
                            job.config().data().batchSize());
            return new StageResults.Deployed(
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
    public double accuracy(Network network, StateDict weights, QuantPlan plan) {
        try (NDManager manager = NDManager.newBaseManager();
                LoadedNetwork model = new LoadedNetwork(network, weights, manager)) {
            return Evaluation.accuracy(
                    model,
                    job.data().test(),
                    plan,
                    job.config().data().batchSize(),
                    job.config().ptq().maxEvalBatches());
        }
    }

    private Map<String, ActivationStats> calibrate(Network network, StateDict weights, QuantPlan plan) {
        return observe(network, weights, plan, new ActivationObserver()).snapshot();
    }

    /** Runs the calibration batches through the model under the plan, showing every activation to the sink. */
    private <S extends ActivationSink> S observe(Network network, StateDict weights, QuantPlan plan, S sink) {
        try (NDManager manager = NDManager.newBaseManager();
                LoadedNetwork model = new LoadedNetwork(network, weights, manager)) {
            Evaluation.calibrate(
                    model,
                    job.data().calibration(),
                    plan,
                    job.config().data().batchSize(),
                    job.config().ptq().calibrationBatches(),
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

    private QuantPolicy policy() {
        return new QuantPolicy(job.config().quantization(), job.config().target());
    }

    /** Shift records checked against the job's hardware target (none for the generic profile). */
    private List<ShiftRecord> records(
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
                job.config().target().resolved());
    }

    private TrainingLoop.Settings settings() {
        TrainingConfig t = job.config().training();
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
                job.config().data().batchSize(),
                Criterion.parse(t.criterion()),
                optimizer,
                schedule,
                t.seed(),
                job.config().ptq().maxEvalBatches());
    }
}
