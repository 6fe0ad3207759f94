package io.shiftq.engine.quant;

import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import java.util.ArrayList;
import java.util.List;

/**
 * Cross-layer equalization (Nagel et al., "Data-Free Quantization", 2019; AIMET's
 * {@code equalize_model}). Folding BatchNorm gives each output channel its own scale gamma/sigma, so
 * one power-of-two exponent per tensor fits some channels and crushes others. For two weighted
 * layers joined only by ReLU, max-pooling, dropout or flatten (all commute with a positive
 * per-channel factor), channel i of the first is divided by s_i and the matching input slice of the
 * second multiplied by it, with s_i = sqrt(r1_i / r2_i) so both ranges become sqrt(r1_i r2_i). The
 * float network computes exactly the same function; only the ranges the quantizers see change.
 */
public final class CrossLayerEqualization {
    /** Passes over the chain; each pair's scales depend on its neighbours', and a few passes settle them. */
    private static final int PASSES = 4;

    private CrossLayerEqualization() {}

    /** A pair of weighted layers where output channel i of the first feeds input slice i of the second. */
    record Pair(String first, String second, boolean depthwiseSecond) {
        Pair(String first, String second) {
            this(first, second, false);
        }
    }

    /** Equalized weights; layers outside any pair keep theirs. */
    public static StateDict equalize(Network network, StateDict weights) {
        StateDict out = weights;
        List<Pair> pairs = pairs(network);
        for (int pass = 0; pass < PASSES; pass++) {
            for (Pair p : pairs) {
                out = equalizePair(out, p);
            }
        }
        return out;
    }

    /** Every weighted layer whose output reaches exactly one weighted layer through scale-commuting layers only. */
    static List<Pair> pairs(Network network) {
        List<Pair> out = new ArrayList<>();
        List<Network.Node> nodes = network.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            Layer first = nodes.get(i).layer();
            if (!first.quantized()) {
                continue;
            }
            int j = i;
            List<Integer> readers = network.consumers(j);
            while (readers.size() == 1 && nodes.get(readers.get(0)).layer().commutesWithChannelScale()) {
                j = readers.get(0);
                readers = network.consumers(j);
            }
            if (readers.size() == 1
                    && nodes.get(readers.get(0)).layer().quantized()
                    && ungroupedOrDepthwise(nodes.get(readers.get(0)).layer())) {
                Layer second = nodes.get(readers.get(0)).layer();
                out.add(new Pair(first.name(), second.name(), second.depthwise()));
            }
        }
        return out;
    }

    /**
     * Whether input channel i of the layer is read by a slice that can be scaled alone: every output of an
     * ungrouped layer, or output i of a depthwise one. Other grouped convolutions are left out of pairs.
     */
    private static boolean ungroupedOrDepthwise(Layer layer) {
        return layer.groups() == 1 || layer.depthwise();
    }

    private static StateDict equalizePair(StateDict weights, Pair p) {
        HeapTensor w1 = weights.get(p.first() + ".weight");
        HeapTensor w2 = weights.get(p.second() + ".weight");
        int channels = (int) w1.shape()[0];
        int perOut1 = w1.size() / channels;
        int out2 = (int) w2.shape()[0];
        int perOut2 = w2.size() / out2;
        // The second layer's weights that read first-layer channel i: in every output row, the i-th of
        // `channels` equal slices (a kernel for a convolution, H*W features after a flatten, one column).
        // A depthwise second layer reads channel i with output row i only.
        int slice = p.depthwiseSecond() ? perOut2 : perOut2 / channels;
        float[] a = w1.data().clone();
        float[] b = w2.data().clone();
        float[] bias = weights.has(p.first() + ".bias")
                ? weights.get(p.first() + ".bias").data().clone()
                : null;
        for (int i = 0; i < channels; i++) {
            double r1 = maxAbs(a, i * perOut1, perOut1);
            double r2 = 0;
            int rowFrom = p.depthwiseSecond() ? i : 0;
            int rowTo = p.depthwiseSecond() ? i + 1 : out2;
            int at = p.depthwiseSecond() ? 0 : i * slice;
            for (int o = rowFrom; o < rowTo; o++) {
                r2 = Math.max(r2, maxAbs(b, o * perOut2 + at, slice));
            }
            if (r1 == 0 || r2 == 0) {
                continue;
            }
            float s = (float) Math.sqrt(r1 / r2);
            scale(a, i * perOut1, perOut1, 1 / s);
            if (bias != null) {
                bias[i] /= s;
            }
            for (int o = rowFrom; o < rowTo; o++) {
                scale(b, o * perOut2 + at, slice, s);
            }
        }
        StateDict out = weights.with(p.first() + ".weight", new HeapTensor(w1.shape(), a))
                .with(p.second() + ".weight", new HeapTensor(w2.shape(), b));
        return bias == null
                ? out
                : out.with(
                        p.first() + ".bias",
                        new HeapTensor(weights.get(p.first() + ".bias").shape(), bias));
    }

    private static double maxAbs(float[] v, int from, int length) {
        double m = 0;
        for (int k = from; k < from + length; k++) {
            m = Math.max(m, Math.abs(v[k]));
        }
        return m;
    }

    private static void scale(float[] v, int from, int length, float factor) {
        for (int k = from; k < from + length; k++) {
            v[k] *= factor;
        }
    }
}
