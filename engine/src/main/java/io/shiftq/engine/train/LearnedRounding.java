package io.shiftq.engine.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import io.shiftq.engine.Cancellation;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.data.ImageSource;
import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.nn.LoadedNetwork;
import io.shiftq.engine.quant.QuantPlan;
import io.shiftq.engine.quant.TensorQuant;
import io.shiftq.schema.config.OptimizerConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learned rounding of weight codes (AdaRound, Nagel et al., "Up or Down? Adaptive Rounding for Post-Training
 * Quantization", ICML 2020), layer by layer in model order on the calibration batches.
 *
 * <p>For a weight w at exponent n the code is floor(w 2^n) + h(V), clamped to the code range, with
 * h(V) = clip(sigmoid(V) (ζ - γ) + γ, 0, 1), ζ = 1.1, γ = -0.1 (the rectified sigmoid). V starts where h equals the
 * fractional part, so the first step is plain rounding. Adam minimises, per layer,
 * mean over samples and positions of sum over output channels of (W̃ x_q + b - (W x + b))^2 plus
 * λ sum(1 - |2h - 1|^β), where x is the layer's input in the FP32 model, x_q its input with the layers before it
 * already rounded, and β anneals from 20 to 2 after a warm-up without the regulariser, which pushes every h to 0
 * or 1. The result rounds up where h ≥ 1/2. The exponents are the weight rule's, unchanged: the codes stay on the
 * same power-of-two grid and the weights handed on are exactly code * 2^-n, so every later step, the export and the
 * integer executor see them as any other quantized weight.
 */
public final class LearnedRounding {
    private static final Logger LOG = LoggerFactory.getLogger(LearnedRounding.class);
    /** The rectified sigmoid's stretch (ζ - γ = 1.2 around [0, 1]), AdaRound's values. */
    private static final float ZETA = 1.1f;

    private static final float GAMMA = -0.1f;
    /** Regulariser weight: AIMET's and the paper's default. */
    private static final float LAMBDA = 0.01f;
    /** Annealing of the regulariser's exponent, from soft to hard, as in AdaRound. */
    private static final float BETA_START = 20f;

    private static final float BETA_END = 2f;
    /** Share of iterations with reconstruction only, so V first moves towards what the layer's output needs. */
    private static final double WARM_UP = 0.2;
    /** Adam's step on V, AIMET's default. */
    private static final double LEARNING_RATE = 1e-3;
    /**
     * At most this many calibration images are held per layer (inputs in FP32 and rounded, and the target):
     * AdaRound needs about a thousand, and more only costs memory.
     */
    static final int MAX_SAMPLES = 1024;

    /**
     * How to learn.
     *
     * @param iterations Adam steps per layer
     * @param batchSize samples per step
     * @param calibrationBatches calibration batches to read (capped at {@link #MAX_SAMPLES} images)
     * @param seed picks the samples of each step
     */
    public record Settings(int iterations, int batchSize, int calibrationBatches, long seed) {}

    private final Settings settings;

    /** A rounding learner with these settings. */
    public LearnedRounding(Settings settings) {
        this.settings = settings;
    }

    /**
     * The weights with every weight that the plan quantizes replaced by its learned code times 2^-n.
     *
     * @param network the folded network
     * @param reference the FP32 weights whose layer outputs are the targets
     * @param weights the weights to round (with the biases the quantized model uses; may equal reference)
     * @param plan the weight quantizers (exponents) to round onto
     * @param calibration the images to learn on
     * @param listener progress: one "epoch" per layer, one "batch" per step, the loss; accuracy is not measured
     */
    public StateDict round(
            Network network,
            StateDict reference,
            StateDict weights,
            QuantPlan plan,
            ImageSource calibration,
            TrainingListener listener) {
        EngineSetup.noGradOnThisThread();
        List<Layer> layers = network.quantizedLayers().stream()
                .filter(l -> plan.get(l.name()) != null && plan.get(l.name()).weight() != null)
                .toList();
        StateDict out = weights;
        long start = System.nanoTime();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            Progress progress = new Progress(listener, i, layers.size(), start);
            HeapTensor rounded = roundLayer(
                    network, reference, out, layer, plan.get(layer.name()).weight(), calibration, progress);
            out = out.with(layer.name() + ".weight", rounded);
        }
        return out;
    }

    private HeapTensor roundLayer(
            Network network,
            StateDict reference,
            StateDict current,
            Layer layer,
            TensorQuant q,
            ImageSource calibration,
            Progress progress) {
        String name = layer.name();
        HeapTensor w = current.get(name + ".weight");
        Inputs fp32 = capture(network, reference, name, calibration);
        Inputs rounded = capture(network, current, name, calibration);
        float[] floor = new float[w.size()];
        float[] v = new float[w.size()];
        int perChannel = w.size() / (int) w.shape()[0];
        for (int k = 0; k < w.size(); k++) {
            double scaled = Math.scalb((double) w.data()[k], q.exponentOf(k / perChannel));
            floor[k] = (float) Math.floor(scaled);
            // h(V) = fractional part: sigmoid(V) = (r - γ) / (ζ - γ).
            double p = (scaled - floor[k] - GAMMA) / (ZETA - GAMMA);
            v[k] = (float) Math.log(p / (1 - p));
        }
        long t0 = System.nanoTime();
        float[] learned = optimize(layer, reference, current, q, fp32, rounded, floor, v, progress);
        float[] data = new float[w.size()];
        int flipped = 0;
        for (int k = 0; k < w.size(); k++) {
            // h >= 1/2 exactly when V >= 0, so the sign of V decides up or down.
            double code = floor[k] + (learned[k] >= 0 ? 1 : 0);
            code = Math.max(q.qmin(), Math.min(q.qmax(), code));
            data[k] = (float) Math.scalb(code, -q.exponentOf(k / perChannel));
            flipped += (v[k] >= 0) != (learned[k] >= 0) ? 1 : 0;
        }
        LOG.info(
                "{}: learned rounding, {} steps on {} samples, {} of {} codes rounded the other way than nearest, {} ms",
                name,
                settings.iterations(),
                rounded.shape().get(0),
                flipped,
                w.size(),
                (System.nanoTime() - t0) / 1_000_000);
        return new HeapTensor(w.shape(), data);
    }

    private float[] optimize(
            Layer layer,
            StateDict reference,
            StateDict current,
            TensorQuant q,
            Inputs fp32,
            Inputs rounded,
            float[] floor,
            float[] v0,
            Progress progress) {
        String name = layer.name();
        HeapTensor w = current.get(name + ".weight");
        Shape wShape = new Shape(w.shape());
        Random random = new Random(settings.seed() + name.hashCode());
        ParameterOptimizer adam = ParameterOptimizer.of(new OptimizerConfig("Adam", 0, 0.9, 0.999, 1e-8), 0);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray bias = current.has(name + ".bias") ? tensor(m, current.get(name + ".bias")) : null;
            NDArray xq = m.create(rounded.data(), rounded.shape());
            NDArray target = LoadedNetwork.weighted(
                    layer,
                    m.create(fp32.data(), fp32.shape()),
                    tensor(m, reference.get(name + ".weight")),
                    reference.has(name + ".bias") ? tensor(m, reference.get(name + ".bias")) : null);
            NDArray floorCodes = m.create(floor, wShape);
            NDArray down = scales(m, q, wShape);
            NDArray v = m.create(v0, wShape);
            v.setRequiresGradient(true);
            Constants c = new Constants(m);
            long samples = xq.getShape().get(0);
            int batch = (int) Math.min(settings.batchSize(), samples);
            int warmUp = (int) (WARM_UP * settings.iterations());
            for (int it = 0; it < settings.iterations(); it++) {
                Cancellation.checkCurrent();
                int from = random.nextInt((int) samples - batch + 1);
                NDIndex slice = new NDIndex("{}:{}", from, from + batch);
                float beta = it < warmUp
                        ? 0
                        : BETA_END
                                + (BETA_START - BETA_END)
                                        * (1 - (float) (it - warmUp) / Math.max(1, settings.iterations() - warmUp));
                float loss;
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray h = Activation.sigmoid(v)
                                .mul(c.stretch)
                                .add(c.gamma)
                                .clip(0f, 1f);
                        NDArray wq = floorCodes.add(h).clip(q.qmin(), q.qmax()).mul(down);
                        NDArray y = LoadedNetwork.weighted(layer, xq.get(slice), wq, bias);
                        NDArray diff = y.sub(target.get(slice));
                        // Sum over output channels, mean over samples and positions: AIMET's reconstruction loss.
                        NDArray lossArray = diff.square()
                                .sum()
                                .div(m.full(
                                        new Shape(),
                                        diff.size() / (float) y.getShape().get(1)));
                        if (beta > 0) {
                            NDArray sharp = h.mul(c.two).sub(c.one).abs().pow(m.full(new Shape(), beta));
                            lossArray = lossArray.add(c.one.sub(sharp).sum().mul(c.lambda));
                        }
                        gc.backward(lossArray);
                        loss = lossArray.getFloat();
                    }
                    adam.nextStep();
                    adam.update(name, v, LEARNING_RATE);
                }
                progress.step(it + 1, settings.iterations(), loss);
            }
            return v.toFloatArray();
        }
    }

    /** The scalars of the loss, in libtorch's memory (see {@code FakeQuant.scales} for why never a Java number). */
    private record Constants(NDArray stretch, NDArray gamma, NDArray one, NDArray two, NDArray lambda) {
        Constants(NDManager m) {
            this(
                    m.full(new Shape(), ZETA - GAMMA),
                    m.full(new Shape(), GAMMA),
                    m.full(new Shape(), 1f),
                    m.full(new Shape(), 2f),
                    m.full(new Shape(), LAMBDA));
        }
    }

    /** 2^-n of every weight, broadcast per output channel when the quantizer is per-channel. */
    private static NDArray scales(NDManager m, TensorQuant q, Shape wShape) {
        long[] shape = new long[wShape.dimension()];
        Arrays.fill(shape, 1);
        int channels = (int) wShape.get(0);
        shape[0] = channels;
        float[] s = new float[channels];
        for (int c = 0; c < channels; c++) {
            s[c] = Math.scalb(1f, -q.exponentOf(c));
        }
        return m.create(s, new Shape(shape));
    }

    private static NDArray tensor(NDManager m, HeapTensor t) {
        return m.create(t.data(), new Shape(t.shape()));
    }

    /**
     * One layer's input over the calibration images.
     *
     * @param data the values, sample after sample
     * @param shape [samples, ...]
     */
    private record Inputs(float[] data, Shape shape) {}

    private Inputs capture(Network network, StateDict weights, String layer, ImageSource calibration) {
        String key = layer + ".input";
        List<float[]> parts = new ArrayList<>();
        long[][] shape = new long[1][];
        int batches = Math.min(settings.calibrationBatches(), Math.max(1, MAX_SAMPLES / settings.batchSize()));
        try (NDManager manager = NDManager.newBaseManager();
                LoadedNetwork model = new LoadedNetwork(network, weights, manager)) {
            Evaluation.calibrate(model, calibration, QuantPlan.FLOAT, settings.batchSize(), batches, (k, x) -> {
                if (k.equals(key)) {
                    parts.add(x.toFloatArray());
                    shape[0] = x.getShape().getShape();
                }
            });
        }
        int total = parts.stream().mapToInt(p -> p.length).sum();
        float[] data = new float[total];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, data, at, p.length);
            at += p.length;
        }
        long[] s = shape[0].clone();
        long perSample = new Shape(s).size() / s[0];
        s[0] = total / perSample;
        return new Inputs(data, new Shape(s));
    }

    /** Turns steps into the listener's batch progress, one "epoch" per layer. */
    private record Progress(TrainingListener listener, int layer, int layers, long start) {
        void step(int step, int steps, float loss) {
            double done = layer * (double) steps + step;
            double elapsed = (System.nanoTime() - start) / 1e9;
            listener.onBatch(new BatchProgress(
                    layer + 1,
                    layers,
                    step,
                    steps,
                    loss,
                    Double.NaN,
                    elapsed / done * (layers * (double) steps - done)));
        }
    }
}
