package io.shiftq.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.nn.LoadedNetwork;
import io.shiftq.engine.quant.QuantPlan;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Folding BatchNorm into the convolution changes no output beyond float rounding. */
class BatchNormFoldingTest {

    @BeforeAll
    static void engine() {
        EngineSetup.start();
    }

    @Test
    void foldedEqualsUnfoldedWithin1e5() {
        for (String name : new String[] {"VGGSmall", "ResNetSmall"}) {
            Network net = Models.create(name, 10, 1, 28, 28);
            StateDict w = randomStatistics(StateDict.initialize(net, 3), new Random(5));
            BatchNormFolding.Folded f = BatchNormFolding.fold(net, w);
            assertThat(f.network().nodes()).noneMatch(n -> n.layer() instanceof Layer.BatchNorm2d);
            assertThat(f.network().quantizedLayers())
                    .hasSize(net.quantizedLayers().size());
            try (NDManager m = NDManager.newBaseManager();
                    LoadedNetwork a = new LoadedNetwork(net, w, m);
                    LoadedNetwork b = new LoadedNetwork(f.network(), f.weights(), m)) {
                NDArray x = m.randomUniform(0, 1, new Shape(4, 1, 28, 28));
                float[] ya = a.forward(x, QuantPlan.FLOAT, null, false).toFloatArray();
                float[] yb = b.forward(x, QuantPlan.FLOAT, null, false).toFloatArray();
                for (int i = 0; i < ya.length; i++) {
                    assertThat(yb[i]).as(name + " logit " + i).isCloseTo(ya[i], Offset.offset(1e-5f));
                }
            }
        }
    }

    @Test
    void foldFormulaByHand() {
        // one 1x1 conv, weight 2, no bias; BN gamma 3, beta 1, mean 0.5, var 4 - eps:
        // s = 3 / sqrt(4) = 1.5; W' = 3; b' = (0 - 0.5) * 1.5 + 1 = 0.25
        NetworkBuilder b = new NetworkBuilder("tiny", 1, 1, 1).sequence("features");
        b.then(n -> new Layer.Conv2d(n, 1, 1, 1, 1, 0, false)).then(n -> new Layer.BatchNorm2d(n, 1, 1e-5f, 0.1f));
        Network net = b.build(1);
        Map<String, HeapTensor> t = new LinkedHashMap<>();
        t.put("features.0.weight", new HeapTensor(new long[] {1, 1, 1, 1}, new float[] {2f}));
        t.put("features.1.weight", new HeapTensor(new long[] {1}, new float[] {3f}));
        t.put("features.1.bias", new HeapTensor(new long[] {1}, new float[] {1f}));
        t.put("features.1.running_mean", new HeapTensor(new long[] {1}, new float[] {0.5f}));
        t.put("features.1.running_var", new HeapTensor(new long[] {1}, new float[] {4f - 1e-5f}));
        BatchNormFolding.Folded f = BatchNormFolding.fold(net, new StateDict(t));
        assertThat(f.weights().get("features.0.weight").data()[0]).isCloseTo(3f, Offset.offset(1e-6f));
        assertThat(f.weights().get("features.0.bias").data()[0]).isCloseTo(0.25f, Offset.offset(1e-6f));
    }

    @Test
    void aBatchNormWithNoConvolutionBeforeItBecomesADepthwiseOneByOneConvolutionComputingTheSame() {
        // conv -> ReLU -> BN (pre-activation, as in DenseNet): gamma 3, beta 1, mean 0.5, var 4 - eps per channel.
        NetworkBuilder b = new NetworkBuilder("pre", 1, 2, 2).sequence("features");
        b.then(n -> new Layer.Conv2d(n, 1, 2, 1, 1, 0, false))
                .then(Layer.ReLU::new)
                .then(n -> new Layer.BatchNorm2d(n, 2, 1e-5f, 0.1f));
        b.add(new Layer.Flatten("flat"), List.of(b.last()));
        Network net = b.build(8);
        Map<String, HeapTensor> t = new LinkedHashMap<>();
        t.put("features.0.weight", new HeapTensor(new long[] {2, 1, 1, 1}, new float[] {2f, -1f}));
        t.put("features.2.weight", new HeapTensor(new long[] {2}, new float[] {3f, 3f}));
        t.put("features.2.bias", new HeapTensor(new long[] {2}, new float[] {1f, 1f}));
        t.put("features.2.running_mean", new HeapTensor(new long[] {2}, new float[] {0.5f, 0.5f}));
        t.put("features.2.running_var", new HeapTensor(new long[] {2}, new float[] {4f - 1e-5f, 4f - 1e-5f}));
        StateDict w = new StateDict(t);
        BatchNormFolding.Folded f = BatchNormFolding.fold(net, w);
        assertThat(f.network().nodes().get(2).layer())
                .isEqualTo(new Layer.Conv2d("features.2", 2, 2, 1, 1, 0, true, 2));
        // s = 3 / sqrt(4) = 1.5, bias = 1 - 0.5 * 1.5 = 0.25
        assertThat(f.weights().get("features.2.weight").shape()).containsExactly(2, 1, 1, 1);
        assertThat(f.weights().get("features.2.weight").data()[1]).isCloseTo(1.5f, Offset.offset(1e-6f));
        assertThat(f.weights().get("features.2.bias").data()[0]).isCloseTo(0.25f, Offset.offset(1e-6f));
        try (NDManager m = NDManager.newBaseManager();
                LoadedNetwork a = new LoadedNetwork(net, w, m);
                LoadedNetwork c = new LoadedNetwork(f.network(), f.weights(), m)) {
            NDArray x = m.randomUniform(-1, 1, new Shape(3, 1, 2, 2));
            float[] ya = a.forward(x, QuantPlan.FLOAT, null, false).toFloatArray();
            float[] yc = c.forward(x, QuantPlan.FLOAT, null, false).toFloatArray();
            for (int i = 0; i < ya.length; i++) {
                assertThat(yc[i]).as("output " + i).isCloseTo(ya[i], Offset.offset(1e-5f));
            }
        }
    }

    private static StateDict randomStatistics(StateDict w, Random rnd) {
        StateDict out = w;
        for (String k : w.tensors().keySet()) {
            HeapTensor t = w.get(k);
            if (k.endsWith("running_mean") || k.endsWith("running_var") || (isBn(w, k))) {
                float[] v = new float[t.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = k.endsWith("running_var")
                            ? 0.5f + rnd.nextFloat()
                            : (float) rnd.nextGaussian() * 0.5f + (k.endsWith(".weight") ? 1f : 0f);
                }
                out = out.with(k, new HeapTensor(t.shape(), v));
            }
        }
        return out;
    }

    private static boolean isBn(StateDict w, String k) {
        String owner = k.substring(0, k.lastIndexOf('.'));
        return w.has(owner + ".running_var");
    }
}
