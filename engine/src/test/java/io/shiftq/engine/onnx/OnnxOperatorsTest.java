package io.shiftq.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shiftq.engine.model.Layer;
import io.shiftq.engine.onnx.OnnxGraph.Attribute;
import io.shiftq.engine.onnx.OnnxGraph.Node;
import io.shiftq.engine.onnx.OnnxGraph.Tensor;
import io.shiftq.engine.onnx.OnnxGraph.ValueInfo;
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

    private static Node node(String name, String op, List<String> in, String out) {
        return new Node(name, op, "", in, List.of(out), Map.<String, Attribute>of());
    }
}
