package io.shiftq.engine.quant;

import ai.djl.ndarray.NDArray;
import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import java.util.HashMap;
import java.util.Map;

/**
 * Empirical bias correction (Nagel et al., "Data-Free Quantization", 2019; AIMET's bias
 * correction). Rounding weights to a coarse power-of-two grid shifts each output channel's mean by
 * E[(W - Q(W)) x]; at 4 bits with one exponent per tensor that shift is large enough to cost
 * accuracy. The correction adds it back into the float bias, which is later quantized at w + i like
 * any bias, so the integer model needs nothing new.
 */
public final class BiasCorrection {
    private BiasCorrection() {}

    /**
     * Means of every input channel (dimension 1) of every layer input a pass shows, weighted by
     * the number of values, for {@link #correct}.
     */
    public static final class InputMeans implements ActivationSink {
        private static final String SUFFIX = ".input";
        private final Map<String, double[]> sums = new HashMap<>();
        private final Map<String, Long> counts = new HashMap<>();

        @Override
        public void observe(String key, NDArray x) {
            if (!key.endsWith(SUFFIX)) {
                return;
            }
            float[] mean = channelMeans(x).toFloatArray();
            long n = x.getShape().size() / mean.length;
            String layer = key.substring(0, key.length() - SUFFIX.length());
            double[] s = sums.computeIfAbsent(layer, k -> new double[mean.length]);
            for (int c = 0; c < mean.length; c++) {
                s[c] += (double) mean[c] * n;
            }
            counts.merge(layer, n, Long::sum);
        }

        /** Means over every dimension but 1 of [N, C] or [N, C, H, W] (PyTorch's mean here takes one axis). */
        public static NDArray channelMeans(NDArray x) {
            return x.swapAxes(0, 1).reshape(x.getShape().get(1), -1).mean(new int[] {1});
        }

        /** The mean of each input channel of the layer, or null when the layer was not seen. */
        public double[] of(String layer) {
            double[] s = sums.get(layer);
            if (s == null) {
                return null;
            }
            double[] out = new double[s.length];
            for (int c = 0; c < s.length; c++) {
                out[c] = s[c] / counts.get(layer);
            }
            return out;
        }
    }

    /**
     * Weights with each quantized conv/linear bias moved by sum over input channels of
     * mean(x_in) * sum over the kernel of (W - Q(W)); layers without a bias, a weight quantizer or
     * observed inputs are left alone. Zero padding makes the border terms slightly smaller than
     * the mean assumes; the correction ignores that.
     */
    public static StateDict correct(Network network, StateDict weights, QuantPlan plan, InputMeans means) {
        StateDict out = weights;
        for (Network.Node node : network.nodes()) {
            String name = node.layer().name();
            LayerQuant lq = plan.get(name);
            double[] inputMeans = means.of(name);
            if (!node.layer().quantized()
                    || lq == null
                    || lq.weight() == null
                    || !weights.has(name + ".bias")
                    || inputMeans == null) {
                continue;
            }
            out = out.with(
                    name + ".bias",
                    shifted(weights.get(name + ".weight"), weights.get(name + ".bias"), lq.weight(), inputMeans));
        }
        return out;
    }

    private static HeapTensor shifted(HeapTensor w, HeapTensor b, TensorQuant q, double[] inputMeans) {
        int outChannels = (int) w.shape()[0];
        int inChannels = (int) w.shape()[1];
        int kernel = w.size() / outChannels / inChannels;
        // A grouped (depthwise) convolution's output o reads only its group's input channels.
        int groups = inputMeans.length / inChannels;
        int outPerGroup = outChannels / groups;
        float[] bias = b.data().clone();
        float[] wd = w.data();
        for (int o = 0; o < outChannels; o++) {
            int e = q.exponentOf(o);
            int firstInput = (o / outPerGroup) * inChannels;
            double delta = 0;
            for (int i = 0; i < inChannels; i++) {
                double residual = 0;
                for (int k = 0; k < kernel; k++) {
                    double v = wd[(o * inChannels + i) * kernel + k];
                    residual += v - Pow2.fakeQuant(v, e, q.bits(), q.signed());
                }
                delta += residual * inputMeans[firstInput + i];
            }
            bias[o] += (float) delta;
        }
        return new HeapTensor(b.shape(), bias);
    }
}
