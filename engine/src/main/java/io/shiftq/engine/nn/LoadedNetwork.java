package io.shiftq.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.LayerVisitor;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.PointwiseFunction;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.quant.ActivationSink;
import io.shiftq.engine.quant.FakeQuant;
import io.shiftq.engine.quant.LayerQuant;
import io.shiftq.engine.quant.QuantPlan;
import io.shiftq.engine.quant.TensorQuant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A network with its parameters on a DJL manager, run by one interpreter for every mode: FP32,
 * weight fake-quant (steps 1 and 2), calibration (an observer sees each layer's input and output)
 * and full fake-quant (the final_ptq stage). One interpreter keeps the modes from drifting apart.
 */
public final class LoadedNetwork implements AutoCloseable {
    private final Network network;
    private final NDManager manager;
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    /** Node index -> the quantized layer whose output quantizer sits there (after a fused ReLU). */
    private final Map<Integer, String> outputAt = new HashMap<>();
    /** How calibrated input and output quantizers run: plainly, or with learned thresholds during QAT. */
    private ActivationQuantizer activations = ActivationQuantizer.FIXED;

    /** Copies the parameters onto a new child manager of the given one. */
    public LoadedNetwork(Network network, StateDict weights, NDManager parent) {
        weights.checkFits(network);
        this.network = network;
        this.manager = parent.newSubManager();
        network.parameterShapes().forEach((name, shape) -> {
            HeapTensor t = weights.get(name);
            NDArray a = manager.create(t.data(), new Shape(t.shape()));
            if (!name.endsWith("running_mean") && !name.endsWith("running_var")) {
                a.setRequiresGradient(true);
            }
            params.put(name, a);
        });
        outputAt.putAll(network.outputOwners());
    }

    /** Runs the plan's calibrated input and output quantizers through the given quantizer from now on. */
    public void quantizeActivationsWith(ActivationQuantizer quantizer) {
        this.activations = quantizer;
    }

    /** The network this model runs. */
    public Network network() {
        return network;
    }

    /** The parameters that training updates (weights, biases, BatchNorm affine). */
    public Map<String, NDArray> trainable() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        params.forEach((k, v) -> {
            if (v.hasGradient()) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** The live array of one parameter. */
    public NDArray parameter(String name) {
        return params.get(name);
    }

    /** A Java copy of the current parameters. */
    public StateDict stateDict() {
        Map<String, HeapTensor> out = new LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, new HeapTensor(v.getShape().getShape(), v.toFloatArray())));
        return new StateDict(out);
    }

    /** Overwrites the parameters in place (keeps optimizer identities). */
    public void load(StateDict weights) {
        params.forEach((k, v) -> {
            v.set(weights.get(k).data());
        });
    }

    /**
     * Runs the network on a batch.
     *
     * @param x batch [N, C, H, W]
     * @param plan quantizers to apply ({@link QuantPlan#FLOAT} for none)
     * @param observer sees every quantized layer's input and output before quantization, or null
     * @param training BatchNorm batch statistics and dropout on
     * @return the logits
     */
    public NDArray forward(NDArray x, QuantPlan plan, ActivationSink observer, boolean training) {
        List<Network.Node> nodes = network.nodes();
        List<NDArray> outs = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            Network.Node node = nodes.get(i);
            List<NDArray> in = node.inputs().stream()
                    .map(j -> j == Network.INPUT ? x : outs.get(j))
                    .toList();
            NDArray y = run(node.layer(), in, plan.get(node.layer().name()), observer, training);
            String owner = outputAt.get(i);
            if (owner != null) {
                if (observer != null) {
                    observer.observe(owner + ".output", y);
                }
                LayerQuant lq = plan.get(owner);
                if (lq != null && lq.output() != null) {
                    y = activations.apply(owner + ".output", y, lq.output());
                }
            }
            outs.add(y);
        }
        return outs.get(outs.size() - 1);
    }

    private NDArray run(Layer layer, List<NDArray> in, LayerQuant lq, ActivationSink observer, boolean training) {
        return layer.accept(new Forward(in, lq, observer, training));
    }

    /**
     * One layer's forward under its quantizers: every float layer type, so a new one fails to compile until it says
     * how it runs.
     */
    private final class Forward implements LayerVisitor<NDArray> {
        private final List<NDArray> in;
        private final LayerQuant lq;
        private final ActivationSink observer;
        private final boolean training;

        Forward(List<NDArray> in, LayerQuant lq, ActivationSink observer, boolean training) {
            this.in = in;
            this.lq = lq;
            this.observer = observer;
            this.training = training;
        }

        private NDArray x() {
            return in.get(0);
        }

        private NDArray withWeights(Layer layer) {
            NDArray x = quantizeInput(layer.name(), x(), lq, observer);
            return weighted(layer, x, weight(layer.name(), lq), bias(layer.name(), lq));
        }

        /** Under a full plan an activation with a lookup table runs {@link Lookup}; otherwise its float function. */
        private NDArray lookupOr(Layer layer, Supplier<NDArray> floatForward) {
            if (lq != null && lq.input() != null && !(activations.trains() && EngineSetup.recordsGradients())) {
                return Lookup.apply(layer.pointwise().orElseThrow(), x(), lq.input(), lq.output());
            }
            return floatForward.get();
        }

        /**
         * The input moved to the layer's input quantizer (its output quantizer for a concatenation, calibrated under
         * the key {@code <layer>.output}; an add's alignment, derived from its producers, has no key), if any.
         */
        private NDArray aligned(NDArray x, String key) {
            return lq != null && lq.input() != null ? activations.apply(key, x, lq.input()) : x;
        }

        @Override
        public NDArray conv2d(Layer.Conv2d l) {
            return withWeights(l);
        }

        @Override
        public NDArray linear(Layer.Linear l) {
            return withWeights(l);
        }

        @Override
        public NDArray batchNorm2d(Layer.BatchNorm2d b) {
            String p = b.name();
            return BatchNorm.batchNorm(
                            x(),
                            params.get(p + ".running_mean"),
                            params.get(p + ".running_var"),
                            params.get(p + ".weight"),
                            params.get(p + ".bias"),
                            1,
                            b.momentum(),
                            b.eps(),
                            training)
                    .singletonOrThrow();
        }

        @Override
        public NDArray relu(Layer.ReLU l) {
            return Activation.relu(x());
        }

        @Override
        public NDArray clippedRelu(Layer.ClippedReLU r) {
            // clip(min, max) passes both bounds to libtorch as scalars, so nothing here is freed before backward.
            return x().clip(0f, r.max());
        }

        @Override
        public NDArray avgPool2d(Layer.AvgPool2d p) {
            return Pool.avgPool2d(
                    x(),
                    new Shape(p.kernel(), p.kernel()),
                    new Shape(p.stride(), p.stride()),
                    new Shape(0, 0),
                    false,
                    true);
        }

        @Override
        public NDArray concat(Layer.Concat l) {
            // Every input moves to the output quantizer first, as the integer concat shifts each input's codes.
            List<NDArray> parts = new ArrayList<>();
            for (NDArray x : in) {
                parts.add(aligned(x, l.name() + ".output"));
            }
            return NDArrays.concat(new NDList(parts), 1);
        }

        @Override
        public NDArray maxPool2d(Layer.MaxPool2d p) {
            return Pool.maxPool2d(
                    x(), new Shape(p.kernel(), p.kernel()), new Shape(p.stride(), p.stride()), new Shape(0, 0), false);
        }

        @Override
        public NDArray flatten(Layer.Flatten l) {
            return x().reshape(x().getShape().get(0), -1);
        }

        @Override
        public NDArray dropout(Layer.Dropout d) {
            return training ? Dropout.dropout(x(), d.p(), true).singletonOrThrow() : x();
        }

        @Override
        public NDArray add(Layer.Add l) {
            // Both inputs align to one exponent before the sum, as the integer adder does.
            return aligned(in.get(0), null).add(aligned(in.get(1), null));
        }

        @Override
        public NDArray paddedPool2d(Layer.PaddedPool2d p) {
            // Under a full plan an average's output is quantized by its owner entry, like any output.
            return paddedPool(p, x());
        }

        @Override
        public NDArray sigmoid(Layer.Sigmoid l) {
            return lookupOr(l, () -> Activation.sigmoid(x()));
        }

        @Override
        public NDArray hardSigmoid(Layer.HardSigmoid l) {
            return lookupOr(l, () -> x().mul(l.alpha()).add(l.beta()).clip(0f, 1f));
        }

        @Override
        public NDArray hardSwish(Layer.HardSwish l) {
            return lookupOr(l, () -> x().mul(x().div(6f).add(0.5f).clip(0f, 1f)));
        }

        @Override
        public NDArray pointwise(Layer.Pointwise l) {
            return lookupOr(l, () -> LoadedNetwork.pointwise(l.function(), x()));
        }

        @Override
        public NDArray mul(Layer.Mul l) {
            return in.get(0).mul(in.get(1));
        }

        @Override
        public NDArray channelShuffle(Layer.ChannelShuffle l) {
            return LoadedNetwork.channelShuffle(l.groups(), x());
        }

        @Override
        public NDArray channelSlice(Layer.ChannelSlice l) {
            return x().get(new NDIndex(":, {}:{}", l.start(), l.end()));
        }
    }

    /**
     * The operation of a layer with weights (convolution or linear, no activation) on x with the given weight and
     * bias (null for none): what the interpreter runs, for callers that vary the weight themselves.
     */
    public static NDArray weighted(Layer layer, NDArray x, NDArray w, NDArray b) {
        return layer.accept(new GivenWeights(x, w, b));
    }

    /** A layer's own operation with weights the caller gives; every layer without weights is refused. */
    private static final class GivenWeights extends LayerVisitor.Partial<NDArray> {
        private final NDArray x;
        private final NDArray w;
        private final NDArray b;

        GivenWeights(NDArray x, NDArray w, NDArray b) {
            this.x = x;
            this.w = w;
            this.b = b;
        }

        @Override
        public NDArray conv2d(Layer.Conv2d c) {
            return Conv2d.conv2d(
                            x,
                            w,
                            b,
                            new Shape(c.stride(), c.stride()),
                            new Shape(c.padding(), c.padding()),
                            new Shape(1, 1),
                            c.groups())
                    .singletonOrThrow();
        }

        @Override
        public NDArray linear(Layer.Linear l) {
            return Linear.linear(x, w, b).singletonOrThrow();
        }

        @Override
        protected RuntimeException refuse(Layer layer) {
            return new IllegalArgumentException(layer.name() + ": " + layer + " has no weights");
        }
    }

    private static NDArray pointwise(PointwiseFunction f, NDArray x) {
        return switch (f.kind()) {
            case TANH -> Activation.tanh(x);
            case GELU -> Activation.gelu(x);
            case LEAKY_RELU -> Activation.leakyRelu(x, f.alpha());
            case SILU -> x.mul(Activation.sigmoid(x));
            case SIGMOID -> Activation.sigmoid(x);
            case HARD_SIGMOID -> x.mul(f.alpha()).add(f.beta()).clip(0f, 1f);
            case HARD_SWISH -> x.mul(x.div(6f).add(0.5f).clip(0f, 1f));
        };
    }

    private static NDArray channelShuffle(int groups, NDArray x) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), groups, s.get(1) / groups, s.get(2), s.get(3))
                .transpose(0, 2, 1, 3, 4)
                .reshape(s);
    }

    /**
     * The float forward of a padded or ceil-mode pool, PyTorch's rules (see {@link Layer.PaddedPool2d}); public so
     * that the integer kernel's test compares against exactly this.
     */
    public static NDArray paddedPool(Layer.PaddedPool2d p, NDArray x) {
        Shape k = new Shape(p.kernel(), p.kernel());
        Shape s = new Shape(p.stride(), p.stride());
        Shape pad = new Shape(p.padding(), p.padding());
        if (p.max()) {
            // libtorch pads a max pool with minus infinity, so a pad never wins; the same rules as ONNX Runtime's.
            return Pool.maxPool2d(x, k, s, pad, p.ceilMode());
        }
        NDArray withPad = Pool.avgPool2d(x, k, s, pad, p.ceilMode(), true);
        if (p.countIncludePad()) {
            return withPad;
        }
        // DJL 0.36's Pool.avgPool2d counts the padding even when told not to (countIncludePad false gave corner
        // averages of 4 values divided by 9; PaddedPoolTest fails on it). The same pool of a map of ones counts, per
        // window, the values inside the input over the same padded count, so the quotient is sum / values inside.
        NDArray ones = x.getManager()
                .ones(new Shape(1, 1, x.getShape().get(2), x.getShape().get(3)), x.getDataType());
        return withPad.div(Pool.avgPool2d(ones, k, s, pad, p.ceilMode(), true));
    }

    private NDArray quantizeInput(String name, NDArray x, LayerQuant lq, ActivationSink observer) {
        if (observer != null) {
            observer.observe(name + ".input", x);
        }
        return lq != null && lq.input() != null ? activations.apply(name + ".input", x, lq.input()) : x;
    }

    private NDArray weight(String name, LayerQuant lq) {
        NDArray w = params.get(name + ".weight");
        return lq != null && lq.weight() != null ? FakeQuant.apply(w, lq.weight()) : w;
    }

    private NDArray bias(String name, LayerQuant lq) {
        NDArray b = params.get(name + ".bias");
        if (b == null) {
            return null;
        }
        TensorQuant q = lq == null ? null : lq.bias();
        return q != null ? FakeQuant.apply(b, q) : b;
    }

    @Override
    public void close() {
        manager.close();
    }
}
