package io.shiftq.engine.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds every BatchNorm into the convolution before it, so only the folded weights get quantized:
 * with s = gamma / sqrt(var + eps), W' = W * s (per output channel) and b' = (b - mean) * s + beta. A BatchNorm
 * with no convolution to fold into becomes a depthwise 1x1 convolution (weight s, bias beta - mean * s).
 */
public final class BatchNormFolding {
    private BatchNormFolding() {}

    /**
     * The folded model.
     *
     * @param network the network without BatchNorm nodes (convolutions gain a bias)
     * @param weights the folded parameters
     */
    public record Folded(Network network, StateDict weights) {}

    /** Folds; a network without BatchNorm comes back unchanged. */
    public static Folded fold(Network network, StateDict weights) {
        List<Network.Node> nodes = network.nodes();
        Map<String, HeapTensor> out = new LinkedHashMap<>(weights.tensors());
        Map<Integer, Integer> remap = new HashMap<>();
        List<Network.Node> kept = new ArrayList<>();
        Map<Integer, Integer> foldedInto = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            Layer layer = nodes.get(i).layer();
            if (layer instanceof Layer.BatchNorm2d bn) {
                int convIndex = nodes.get(i).inputs().get(0);
                if (convIndex >= 0
                        && nodes.get(convIndex).layer() instanceof Layer.Conv2d conv
                        && network.consumers(convIndex).size() == 1) {
                    foldInto(conv, bn, out);
                    remap.put(i, remap.get(convIndex));
                    foldedInto.put(remap.get(convIndex), convIndex);
                    continue;
                }
                layer = perChannelAffine(bn, out);
            }
            List<Integer> inputs = nodes.get(i).inputs().stream()
                    .map(j -> j < 0 ? j : remap.get(j))
                    .toList();
            remap.put(i, kept.size());
            kept.add(new Network.Node(layer, inputs));
        }
        for (Map.Entry<Integer, Integer> e : foldedInto.entrySet()) {
            Layer.Conv2d c = (Layer.Conv2d) kept.get(e.getKey()).layer();
            kept.set(
                    e.getKey(),
                    new Network.Node(c.withBias(true), kept.get(e.getKey()).inputs()));
        }
        Network folded = new Network(network.name(), List.copyOf(kept), network.inputShape(), network.numClasses());
        Map<String, HeapTensor> ordered = new LinkedHashMap<>();
        folded.parameterShapes().keySet().forEach(k -> ordered.put(k, out.get(k)));
        return new Folded(folded, new StateDict(ordered));
    }

    /**
     * A BatchNorm with no convolution of its own before it (DenseNet's pre-activation, after a concatenation or a
     * pool) is the per-channel affine y = x * s + (beta - mean * s): a depthwise 1x1 convolution with bias, named as
     * the BatchNorm, so the integer path quantizes it as any convolution (a weight code and a bias per channel).
     */
    private static Layer.Conv2d perChannelAffine(Layer.BatchNorm2d bn, Map<String, HeapTensor> params) {
        float[] gamma = params.remove(bn.name() + ".weight").data();
        float[] beta = params.remove(bn.name() + ".bias").data();
        float[] mean = params.remove(bn.name() + ".running_mean").data();
        float[] var = params.remove(bn.name() + ".running_var").data();
        int c = bn.channels();
        float[] w = new float[c];
        float[] b = new float[c];
        for (int k = 0; k < c; k++) {
            double s = gamma[k] / Math.sqrt(var[k] + bn.eps());
            w[k] = (float) s;
            b[k] = (float) (beta[k] - mean[k] * s);
        }
        params.put(bn.name() + ".weight", new HeapTensor(new long[] {c, 1, 1, 1}, w));
        params.put(bn.name() + ".bias", new HeapTensor(new long[] {c}, b));
        return new Layer.Conv2d(bn.name(), c, c, 1, 1, 0, true, c);
    }

    private static void foldInto(Layer.Conv2d conv, Layer.BatchNorm2d bn, Map<String, HeapTensor> params) {
        HeapTensor w = params.get(conv.name() + ".weight");
        HeapTensor bias = params.get(conv.name() + ".bias");
        float[] gamma = params.remove(bn.name() + ".weight").data();
        float[] beta = params.remove(bn.name() + ".bias").data();
        float[] mean = params.remove(bn.name() + ".running_mean").data();
        float[] var = params.remove(bn.name() + ".running_var").data();
        int outC = conv.outChannels();
        int per = w.size() / outC;
        float[] fw = new float[w.size()];
        float[] fb = new float[outC];
        for (int c = 0; c < outC; c++) {
            double s = gamma[c] / Math.sqrt(var[c] + bn.eps());
            for (int k = 0; k < per; k++) {
                fw[c * per + k] = (float) (w.data()[c * per + k] * s);
            }
            double b = bias == null ? 0 : bias.data()[c];
            fb[c] = (float) ((b - mean[c]) * s + beta[c]);
        }
        params.put(conv.name() + ".weight", new HeapTensor(w.shape(), fw));
        params.put(conv.name() + ".bias", new HeapTensor(new long[] {outC}, fb));
    }
}
