package io.shiftq.engine.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.data.Batches;
import io.shiftq.engine.data.ImageSource;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.nn.LoadedNetwork;
import io.shiftq.engine.quant.QuantPlan;
import io.shiftq.schema.report.EpochResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link LoadedNetwork} epoch by epoch, evaluating after each epoch and keeping the best
 * epoch's parameters (the seed's QAT keeps its best checkpoint too).
 */
public final class TrainingLoop {

    /**
     * How to train.
     *
     * @param epochs number of epochs
     * @param batchSize images per step
     * @param criterion loss
     * @param optimizer parameter update rule
     * @param schedule learning rate per epoch
     * @param seed shuffling seed
     * @param evalBatches test batches evaluated per epoch (0 = the whole test set)
     */
    public record Settings(
            int epochs,
            int batchSize,
            Criterion criterion,
            ParameterOptimizer optimizer,
            LearningRateSchedule schedule,
            long seed,
            int evalBatches) {}

    /**
     * What training produced.
     *
     * @param epochs one result per epoch
     * @param best parameters of the best epoch
     * @param bestAccuracy its test accuracy
     * @param bestEpoch its 1-based number; 0 when no epoch beat the starting parameters
     * @param skippedSteps steps whose loss was not finite, so no update was applied
     * @param steps every training step of the run
     */
    public record Result(
            List<EpochResult> epochs, StateDict best, double bestAccuracy, int bestEpoch, int skippedSteps, int steps) {
        /**
         * Why this run diverged, or null when it trained: no step updated the weights, or the last epoch ended
         * at chance (at most 1.5 times 100/classes percent) with a training loss that is not finite, above a
         * uniform guess's (ln classes) or with skipped steps. A weak model that still learned has a loss below
         * the uniform guess's; one at chance with a loss far above it was thrown off by its learning rate.
         */
        public String divergence(int classes) {
            if (steps > 0 && skippedSteps == steps) {
                return "all " + steps + " steps had a non-finite loss or gradient, so no weight was ever updated";
            }
            if (epochs.isEmpty()) {
                return null;
            }
            EpochResult last = epochs.get(epochs.size() - 1);
            double chance = 100.0 / classes;
            double uniformLoss = Math.log(classes);
            boolean atChance = last.testAccuracy() <= 1.5 * chance;
            boolean lost =
                    !Double.isFinite(last.trainLoss()) || last.trainLoss() > uniformLoss || last.skippedSteps() != null;
            if (!atChance || !lost) {
                return null;
            }
            return String.format(
                    Locale.ROOT,
                    "epoch %d ended at %.2f%% test accuracy, chance level for %d classes (%.0f%%), with training"
                            + " loss %.4g (a uniform guess scores %.2f)%s",
                    last.epoch(),
                    last.testAccuracy(),
                    classes,
                    chance,
                    last.trainLoss(),
                    uniformLoss,
                    last.skippedSteps() == null ? "" : " and " + last.skippedSteps() + " skipped steps");
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);
    private final Settings settings;
    /** Learned input and output thresholds trained beside the weights, or null (weight-only QAT, FP32 training). */
    private final LearnedThresholds thresholds;

    private int skipped;

    /** A loop with these settings. */
    public TrainingLoop(Settings settings) {
        this(settings, null);
    }

    /**
     * A loop that also takes an Adam step on the learned thresholds after each weight update and, like the weights,
     * ends with the best epoch's thresholds; the model must already quantize its activations through them.
     */
    public TrainingLoop(Settings settings, LearnedThresholds thresholds) {
        this.settings = settings;
        this.thresholds = thresholds;
    }

    /**
     * Trains.
     *
     * @param model the model, updated in place (it ends holding the best epoch's parameters)
     * @param train training images
     * @param test images for the per-epoch evaluation
     * @param planFor quantizers for the next step, computed from the current parameters (QAT
     *     re-derives weight exponents every step; FP32 training returns {@link QuantPlan#FLOAT})
     * @param listener progress callbacks
     */
    public Result run(
            LoadedNetwork model,
            ImageSource train,
            ImageSource test,
            Function<LoadedNetwork, QuantPlan> planFor,
            TrainingListener listener) {
        return run(model, train, test, planFor, listener, OptionalDouble.empty());
    }

    /**
     * Trains, as {@link #run(LoadedNetwork, ImageSource, ImageSource, Function, TrainingListener)}, with the starting
     * parameters' test accuracy given instead of measured: a caller that measured it already with the same test set,
     * plan and settings (QAT after PTQ) saves one evaluation; negative infinity means the start is never kept (a
     * random initialization, which has nothing worth keeping).
     */
    public Result run(
            LoadedNetwork model,
            ImageSource train,
            ImageSource test,
            Function<LoadedNetwork, QuantPlan> planFor,
            TrainingListener listener,
            OptionalDouble startAccuracy) {
        EngineSetup.noGradOnThisThread();
        // Dropout draws from libtorch's generator: seeding it makes a run repeat bit for bit.
        Engine.getInstance().setRandomSeed((int) settings.seed());
        List<EpochResult> results = new ArrayList<>();
        // The starting point competes too: an epoch that made the model worse (or diverged) is never kept.
        StateDict best = model.stateDict();
        float[] bestThresholds = thresholds == null ? null : thresholds.snapshot();
        double bestAcc = startAccuracy.orElseGet(() ->
                Evaluation.accuracy(model, test, planFor.apply(model), settings.batchSize(), settings.evalBatches()));
        int bestEpoch = 0;
        skipped = 0;
        int steps = 0;
        long start = System.nanoTime();
        for (int epoch = 0; epoch < settings.epochs(); epoch++) {
            long t0 = System.nanoTime();
            double lr = settings.schedule().at(epoch);
            int skippedBefore = skipped;
            double[] lossAcc = trainEpoch(model, train, epoch, planFor, listener, start);
            steps += (int) lossAcc[2];
            int skippedNow = skipped - skippedBefore;
            double testAcc = Evaluation.accuracy(
                    model, test, planFor.apply(model), settings.batchSize(), settings.evalBatches());
            EpochResult r = new EpochResult(
                    epoch + 1,
                    lossAcc[0],
                    lossAcc[1],
                    testAcc,
                    lr,
                    (System.nanoTime() - t0) / 1_000_000,
                    skippedNow == 0 ? null : skippedNow);
            results.add(r);
            listener.onEpoch(r);
            StateDict current = model.stateDict();
            listener.onCheckpoint(epoch + 1, current);
            if (testAcc > bestAcc) {
                bestAcc = testAcc;
                bestEpoch = epoch + 1;
                best = current;
                bestThresholds = thresholds == null ? null : thresholds.snapshot();
            }
        }
        model.load(best);
        if (thresholds != null) {
            thresholds.restore(bestThresholds);
        }
        return new Result(results, best, bestAcc, bestEpoch, skipped, steps);
    }

    private double[] trainEpoch(
            LoadedNetwork model,
            ImageSource train,
            int epoch,
            Function<LoadedNetwork, QuantPlan> planFor,
            TrainingListener listener,
            long start) {
        Batches batches = Batches.shuffled(train, settings.batchSize(), settings.seed() + epoch);
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int k = 0; k < batches.count(); k++) {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    QuantPlan plan = planFor.apply(model);
                    NDArray x = batches.images(manager, k);
                    NDArray y = batches.labels(manager, k);
                    NDArray logits;
                    float loss;
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        logits = model.forward(x, plan, null, true);
                        NDArray lossArray = settings.criterion().loss(logits, y);
                        gc.backward(lossArray);
                        loss = lossArray.getFloat();
                    }
                    String bad = Float.isFinite(loss) ? nonFiniteGradient(model, thresholds) : "loss";
                    if (bad == null) {
                        double lr = settings.schedule().at(epoch, k, batches.count());
                        lossSum += loss * x.getShape().get(0);
                        settings.optimizer().nextStep();
                        model.trainable()
                                .forEach((name, w) -> settings.optimizer().update(name, w, lr));
                        if (thresholds != null) {
                            thresholds.step();
                        }
                    } else {
                        // A non-finite loss or gradient would turn every weight into NaN through the optimizer state.
                        if (skipped++ == 0) {
                            LOG.warn(
                                    "epoch {} batch {}: non-finite {} (loss {}); step skipped; max |grad| per parameter: {}; plan: {}",
                                    epoch + 1,
                                    k + 1,
                                    bad,
                                    loss,
                                    gradientMaxima(model),
                                    plan.layers());
                        }
                        model.trainable().values().forEach(ParameterOptimizer::clearGradient);
                        if (thresholds != null) {
                            thresholds.clearGradients();
                        }
                    }
                    correct += logits.argMax(1)
                            .toType(DataType.INT32, false)
                            .eq(y)
                            .sum()
                            .getLong();
                    seen += x.getShape().get(0);
                }
                report(listener, epoch, k, batches.count(), lossSum / seen, 100.0 * correct / seen, start);
            }
        }
        return new double[] {lossSum / Math.max(1, seen), 100.0 * correct / Math.max(1, seen), batches.count()};
    }

    private static Map<String, Float> gradientMaxima(LoadedNetwork model) {
        Map<String, Float> out = new LinkedHashMap<>();
        model.trainable()
                .forEach((name, w) -> out.put(name, w.getGradient().abs().max().getFloat()));
        return out;
    }

    /** The name of a parameter or threshold whose gradient holds NaN or infinity, or null when all are finite. */
    private static String nonFiniteGradient(LoadedNetwork model, LearnedThresholds thresholds) {
        for (Map.Entry<String, NDArray> e : model.trainable().entrySet()) {
            if (!Float.isFinite(e.getValue().getGradient().abs().max().getFloat())) {
                return e.getKey() + " gradient";
            }
        }
        return thresholds == null ? null : thresholds.nonFiniteGradient();
    }

    private void report(TrainingListener listener, int epoch, int k, int batches, double loss, double acc, long start) {
        double done = epoch * (double) batches + k + 1;
        double total = (double) settings.epochs() * batches;
        double elapsed = (System.nanoTime() - start) / 1e9;
        listener.onBatch(new BatchProgress(
                epoch + 1, settings.epochs(), k + 1, batches, loss, acc, elapsed / done * (total - done)));
    }
}
