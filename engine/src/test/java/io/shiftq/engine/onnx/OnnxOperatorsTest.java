package io.shiftq.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.PointwiseFunction;
import io.shiftq.engine.model.PointwiseFunction.Kind;
import io.shiftq.engine.nn.LoadedNetwork;
import io.shiftq.engine.onnx.OnnxGraph.Attribute;
import io.shiftq.engine.onnx.OnnxGraph.Node;
import io.shiftq.engine.onnx.OnnxGraph.Tensor;
import io.shiftq.engine.onnx.OnnxGraph.ValueInfo;
import io.shiftq.engine.quant.QuantPlan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Operators the PyTorch test models do not use: Reshape as a flatten, MatMul + Add as a linear layer, Clip attributes. */
class OnnxOperatorsTest {

    @Test
    void reshapeToFeaturesAndMatMulPlusAddBecomeFlattenAndALinearLayerWithBias() {
        float[] w = new float[16 * 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = i;
        }
        Map<String, Tensor> init = new LinkedHashMap<>();
        init.put("shape", new Tensor("shape", new long[] {2}, 7, new float[] {0, -1}, new long[] {0, -1}));
        init.put("W", new Tensor("W", new long[] {16, 3}, 1, w, null));
        init.put("b", new Tensor("b", new long[] {3}, 1, new float[] {1, 2, 3}, null));
        OnnxGraph g = new OnnxGraph(
                "g",
                13,
                List.of(
                        node("/flat", "Reshape", List.of("x", "shape"), "f"),
                        node("/fc/MatMul", "MatMul", List.of("f", "W"), "m"),
                        node("/fc/Add", "Add", List.of("m", "b"), "y")),
                init,
                List.of(new ValueInfo("x", new long[] {-1, 1, 4, 4})),
                List.of(new ValueInfo("y", new long[] {-1, 3})));
        OnnxImport.Imported m = OnnxImport.build(g, "tiny");
        assertThat(m.network().nodes())
                .extracting(n -> n.layer())
                .containsExactly(new Layer.Flatten("flat"), new Layer.Linear("fc/MatMul", 16, 3, true));
        // MatMul's [in, out] weight becomes the linear layer's [out, in].
        assertThat(m.weights().get("fc/MatMul.weight").shape()).containsExactly(3, 16);
        assertThat(m.weights().get("fc/MatMul.weight").data()[1]).isEqualTo(3f);
        assertThat(m.weights().get("fc/MatMul.bias").data()).containsExactly(1, 2, 3);
        assertThat(m.network().numClasses()).isEqualTo(3);
    }

    @Test
    void aClipOtherThanZeroToMaxIsRefusedNamingTheNode() {
        Map<String, Tensor> init = new LinkedHashMap<>();
        init.put("lo", new Tensor("lo", new long[0], 1, new float[] {-1}, null));
        init.put("hi", new Tensor("hi", new long[0], 1, new float[] {1}, null));
        init.put("W", new Tensor("W", new long[] {2, 1, 1, 1}, 1, new float[] {1, 1}, null));
        OnnxGraph g = new OnnxGraph(
                "g",
                13,
                List.of(
                        node("/conv", "Conv", List.of("x", "W"), "c"),
                        node("/hardtanh", "Clip", List.of("c", "lo", "hi"), "y")),
                init,
                List.of(new ValueInfo("x", new long[] {-1, 1, 2, 2})),
                List.of(new ValueInfo("y", new long[] {-1, 2, 2, 2})));
        assertThatThrownBy(() -> OnnxImport.build(g, "clip"))
                .hasMessage("node '/hardtanh' (Clip): only Clip(0, max) is read (ReLU6 and its kind), got min -1.0,"
                        + " max 1.0");
    }

    @Test
    void theChannelShuffleTripleBecomesOneLayerThatInterleavesTheGroups() {
        Map<String, Tensor> init = new LinkedHashMap<>();
        init.put("view", longs("view", 1, 2, 3, 1, 1));
        init.put("back", longs("back", 1, 6, 1, 1));
        init.put("axes", longs("axes", 2, 3));
        OnnxGraph g = new OnnxGraph(
                "g",
                20,
                List.of(
                        node("/relu", "Relu", List.of("x"), "r"),
                        node("/view", "Reshape", List.of("r", "view"), "v"),
                        new Node(
                                "/t",
                                "Transpose",
                                "",
                                List.of("v"),
                                List.of("t"),
                                Map.of("perm", ints("perm", 0, 2, 1, 3, 4))),
                        node("/back", "Reshape", List.of("t", "back"), "b"),
                        node("/squeeze", "Squeeze", List.of("b", "axes"), "y")),
                init,
                List.of(new ValueInfo("x", new long[] {1, 6, 1, 1})),
                List.of(new ValueInfo("y", new long[] {1, 6})));
        OnnxImport.Imported m = OnnxImport.build(g, "shuffle");
        assertThat(m.network().nodes())
                .extracting(n -> n.layer())
                .containsExactly(
                        new Layer.ReLU("relu"), new Layer.ChannelShuffle("back", 2), new Layer.Flatten("squeeze"));
        // Groups [0 1 2 | 3 4 5] interleave: output channel j * 2 + g is input channel g * 3 + j.
        assertThat(forward(m, new float[] {0, 1, 2, 3, 4, 5}, 6, 1, 1)).containsExactly(0, 3, 1, 4, 2, 5);
    }

    @Test
    void aPadNeverWinsAMaxAndCeilModeAddsThePartialWindow() {
        OnnxGraph g = new OnnxGraph(
                "g",
                13,
                List.of(
                        new Node(
                                "/pool",
                                "MaxPool",
                                "",
                                List.of("x"),
                                List.of("p"),
                                Map.of(
                                        "kernel_shape", ints("kernel_shape", 2, 2),
                                        "strides", ints("strides", 2, 2),
                                        "pads", ints("pads", 1, 1, 1, 1),
                                        "ceil_mode", new Attribute("ceil_mode", 0, 1, null, null, null, null))),
                        node("/flat", "Flatten", List.of("p"), "y")),
                Map.of(),
                List.of(new ValueInfo("x", new long[] {1, 1, 3, 3})),
                List.of(new ValueInfo("y", new long[] {1, 4})));
        OnnxImport.Imported m = OnnxImport.build(g, "pool");
        assertThat(m.network().nodes().get(0).layer())
                .isEqualTo(new Layer.PaddedPool2d("pool", true, 2, 2, 1, true, false));
        // (3 + 2 - 2) / 2 rounded up + 1 = 3 windows, but the third would start in the right padding: 2 per side.
        assertThat(m.network().numClasses()).isEqualTo(4);
        float[] x = {-1, -2, -3, -4, -5, -6, -7, -8, -9};
        assertThat(forward(m, x, 1, 3, 3)).containsExactly(-1, -2, -4, -5);
    }

    @Test
    void reduceMeanOverHeightAndWidthIsAGlobalAveragePool() {
        Map<String, Tensor> init = new LinkedHashMap<>();
        init.put("axes", longs("axes", 2, 3));
        OnnxGraph g = new OnnxGraph(
                "g",
                20,
                List.of(new Node(
                        "/mean",
                        "ReduceMean",
                        "",
                        List.of("x", "axes"),
                        List.of("y"),
                        Map.of("keepdims", new Attribute("keepdims", 0, 0, null, null, null, null)))),
                init,
                List.of(new ValueInfo("x", new long[] {1, 2, 2, 2})),
                List.of(new ValueInfo("y", new long[] {1, 2})));
        OnnxImport.Imported m = OnnxImport.build(g, "mean");
        assertThat(m.network().nodes())
                .extracting(n -> n.layer())
                .containsExactly(new Layer.AvgPool2d("mean", 2, 2), new Layer.Flatten("mean/flatten"));
        assertThat(forward(m, new float[] {1, 2, 3, 4, 10, 20, 30, 40}, 2, 2, 2))
                .containsExactly(2.5f, 25f);
    }

    @Test
    void tanhLeakyReluAndGeluBecomeTableFunctionsWhoseFloatForwardIsTheFunction() {
        OnnxGraph g = new OnnxGraph(
                "g",
                20,
                List.of(
                        node("/tanh", "Tanh", List.of("x"), "t"),
                        new Node(
                                "/leaky",
                                "LeakyRelu",
                                "",
                                List.of("t"),
                                List.of("l"),
                                Map.of("alpha", new Attribute("alpha", 0.2f, 0, null, null, null, null))),
                        node("/gelu", "Gelu", List.of("l"), "e"),
                        node("/flat", "Flatten", List.of("e"), "y")),
                Map.of(),
                List.of(new ValueInfo("x", new long[] {1, 1, 2, 2})),
                List.of(new ValueInfo("y", new long[] {1, 4})));
        OnnxImport.Imported m = OnnxImport.build(g, "acts");
        List<Layer> tables =
                m.network().nodes().subList(0, 3).stream().map(n -> n.layer()).toList();
        assertThat(tables)
                .extracting(l -> l.pointwise().orElseThrow())
                .containsExactly(
                        PointwiseFunction.of(Kind.TANH),
                        new PointwiseFunction(Kind.LEAKY_RELU, 0.2f, 0f),
                        PointwiseFunction.of(Kind.GELU));
        float[] x = {-3f, -0.5f, 0.25f, 2f};
        float[] y = forward(m, x, 1, 2, 2);
        for (int k = 0; k < x.length; k++) {
            double v = x[k];
            for (Layer l : tables) {
                v = l.pointwise().orElseThrow().apply(v);
            }
            assertThat((double) y[k]).as("x = " + x[k]).isCloseTo(v, within(1e-6));
        }
    }

    @Test
    void xTimesItsOwnSigmoidIsSiluAndTimesItsOwnHardSigmoidIsHardSwishButAGateReadElsewhereStaysAProduct() {
        Map<String, Attribute> hard = Map.of(
                "alpha", new Attribute("alpha", 1f / 6, 0, null, null, null, null),
                "beta", new Attribute("beta", 0.5f, 0, null, null, null, null));
        OnnxGraph g = new OnnxGraph(
                "g",
                13,
                List.of(
                        node("/act/Sigmoid", "Sigmoid", List.of("x"), "s"),
                        node("/act/Mul", "Mul", List.of("x", "s"), "a"),
                        new Node("/hs/HardSigmoid", "HardSigmoid", "", List.of("a"), List.of("h"), hard),
                        node("/hs/Mul", "Mul", List.of("h", "a"), "b"),
                        node("/se/Sigmoid", "Sigmoid", List.of("b"), "g"),
                        node("/se/Mul", "Mul", List.of("b", "g"), "m"),
                        node("/se/Add", "Add", List.of("m", "g"), "r"),
                        node("/flat", "Flatten", List.of("r"), "y")),
                Map.of(),
                List.of(new ValueInfo("x", new long[] {1, 1, 2, 2})),
                List.of(new ValueInfo("y", new long[] {1, 4})));
        OnnxImport.Imported m = OnnxImport.build(g, "fused");
        assertThat(m.network().nodes())
                .extracting(n -> n.layer())
                .containsExactly(
                        new Layer.Pointwise("act/Mul", PointwiseFunction.of(Kind.SILU)),
                        new Layer.HardSwish("hs/Mul"),
                        new Layer.Sigmoid("se/Sigmoid"),
                        new Layer.Mul("se/Mul"),
                        new Layer.Add("se/Add"),
                        new Layer.Flatten("flat"));
        float[] x = {-3f, -0.5f, 0.25f, 2f};
        float[] y = forward(m, x, 1, 2, 2);
        for (int k = 0; k < x.length; k++) {
            double a = x[k] / (1 + Math.exp(-x[k]));
            double b = a * Math.max(0, Math.min(1, a / 6 + 0.5));
            double s = 1 / (1 + Math.exp(-b));
            assertThat((double) y[k]).as("x = " + x[k]).isCloseTo(b * s + s, within(1e-6));
        }
    }

    @Test
    void arithmeticWithAPerChannelOrScalarConstantBecomesADepthwiseOneByOneConvolution() {
        Map<String, Tensor> init = new LinkedHashMap<>();
        init.put("scale", new Tensor("scale", new long[] {1, 2, 1, 1}, 1, new float[] {2f, -3f}, null));
        init.put("one", new Tensor("one", new long[0], 1, new float[] {1f}, null));
        init.put("four", new Tensor("four", new long[0], 1, new float[] {4f}, null));
        init.put("bias", new Tensor("bias", new long[] {2, 1, 1}, 1, new float[] {0.5f, -0.5f}, null));
        init.put("along_w", new Tensor("along_w", new long[] {2}, 1, new float[] {1f, 2f}, null));
        List<Node> nodes = List.of(
                node("/mul", "Mul", List.of("scale", "x"), "m"),
                node("/add", "Add", List.of("m", "one"), "a"),
                node("/sub", "Sub", List.of("bias", "a"), "s"),
                node("/div", "Div", List.of("s", "four"), "d"),
                node("/flat", "Flatten", List.of("d"), "y"));
        OnnxGraph g = new OnnxGraph(
                "g",
                13,
                nodes,
                init,
                List.of(new ValueInfo("x", new long[] {1, 2, 1, 2})),
                List.of(new ValueInfo("y", new long[] {1, 4})));
        OnnxImport.Imported m = OnnxImport.build(g, "arith");
        assertThat(m.network().nodes().subList(0, 4))
                .extracting(n -> n.layer())
                .allMatch(l -> l.equals(new Layer.Conv2d(l.name(), 2, 2, 1, 1, 0, true, 2)));
        float[] x = {1f, -2f, 0.25f, 3f};
        float[] y = forward(m, x, 2, 1, 2);
        float[] scale = {2f, -3f};
        float[] bias = {0.5f, -0.5f};
        for (int k = 0; k < x.length; k++) {
            int c = k / 2;
            assertThat((double) y[k]).as("x = " + x[k]).isCloseTo((bias[c] - (scale[c] * x[k] + 1)) / 4, within(1e-6));
        }
        OnnxGraph alongWidth = new OnnxGraph(
                "g",
                13,
                List.of(node("/mul", "Mul", List.of("x", "along_w"), "m"), node("/flat", "Flatten", List.of("m"), "y")),
                init,
                List.of(new ValueInfo("x", new long[] {1, 2, 1, 2})),
                List.of(new ValueInfo("y", new long[] {1, 4})));
        assertThatThrownBy(() -> OnnxImport.build(alongWidth, "w"))
                .hasMessage("node '/mul' (Mul): a constant of shape [2] is read only as one value or one per channel");
    }

    @Test
    void refusalsAreGroupedByOperatorWithCountAndFirstNodeAndStayUnderOneKilobyte() {
        List<Node> nodes = new ArrayList<>();
        String in = "x";
        for (int k = 0; k < 300; k++) {
            nodes.add(node("/features." + k + "/Softsign", "Softsign", List.of(in), "s" + k));
            in = "s" + k;
        }
        nodes.add(node("/erf", "Erf", List.of(in), "y"));
        OnnxGraph g = new OnnxGraph(
                "g",
                13,
                nodes,
                Map.of(),
                List.of(new ValueInfo("x", new long[] {1, 1, 2, 2})),
                List.of(new ValueInfo("y", new long[] {1, 1, 2, 2})));
        assertThatThrownBy(() -> OnnxImport.build(g, "many"))
                .hasMessageStartingWith(
                        "unsupported operators: Softsign x300, first /features.0/Softsign; Erf x1, first /erf. Supported:")
                .message()
                .hasSizeLessThan(OnnxImport.MAX_REFUSAL_CHARS + 1);
    }

    private static float[] forward(OnnxImport.Imported m, float[] x, int c, int h, int w) {
        EngineSetup.start();
        try (NDManager manager = NDManager.newBaseManager();
                LoadedNetwork net = new LoadedNetwork(m.network(), m.weights(), manager)) {
            EngineSetup.noGradOnThisThread();
            return net.forward(manager.create(x, new Shape(1, c, h, w)), QuantPlan.FLOAT, null, false)
                    .toFloatArray();
        }
    }

    private static Tensor longs(String name, long... v) {
        float[] f = new float[v.length];
        for (int k = 0; k < v.length; k++) {
            f[k] = v[k];
        }
        return new Tensor(name, new long[] {v.length}, 7, f, v);
    }

    private static Attribute ints(String name, long... v) {
        return new Attribute(name, 0, 0, null, null, null, v);
    }

    private static Node node(String name, String op, List<String> in, String out) {
        return new Node(name, op, "", in, List.of(out), Map.<String, Attribute>of());
    }
}
