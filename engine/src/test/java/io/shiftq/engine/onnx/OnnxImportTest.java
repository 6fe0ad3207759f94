package io.shiftq.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.data.ImageSet;
import io.shiftq.engine.deploy.OnnxRuntimeRun;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.nn.LoadedNetwork;
import io.shiftq.engine.quant.QuantPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading ONNX graphs exported by PyTorch into the engine's own network. */
class OnnxImportTest {
    private static final int IMAGES = 256;

    @ParameterizedTest
    @ValueSource(strings = {"resnet_style", "mobilenet_style"})
    void theEngineGivesOnnxRuntimesLogitsInFp32(String name) throws Exception {
        Path file = TestModels.model(name);
        OnnxImport.Imported m = OnnxImport.load(file);
        ImageSet images = TestModels.normalizedTestImages(IMAGES);
        float[] ort = OnnxRuntimeRun.logits(file, images);
        EngineSetup.start();
        float[] engine;
        try (NDManager manager = NDManager.newBaseManager();
                LoadedNetwork net = new LoadedNetwork(m.network(), m.weights(), manager)) {
            EngineSetup.noGradOnThisThread();
            NDArray x = manager.create(images.pixels(), new Shape(IMAGES, 1, 28, 28));
            engine = net.forward(x, QuantPlan.FLOAT, null, false).toFloatArray();
        }
        assertThat(engine).hasSameSizeAs(ort);
        double max = 0;
        for (int i = 0; i < ort.length; i++) {
            max = Math.max(max, Math.abs(engine[i] - ort[i]));
        }
        System.out.printf(
                Locale.ROOT,
                "%s: engine FP32 vs ONNX Runtime on %d images, max |logit diff| = %.3g%n",
                name,
                IMAGES,
                max);
        assertThat(max).as("max |engine - ONNX Runtime| over %d images", IMAGES).isLessThan(1e-4);
    }

    @Test
    void layerNamesAreTheOnnxNodeNames() throws Exception {
        OnnxImport.Imported m = OnnxImport.load(TestModels.model("mobilenet_style"));
        List<String> names =
                m.network().nodes().stream().map(n -> n.layer().name()).toList();
        assertThat(names).contains("stem/stem.0/stem.0.0/Conv", "blocks/blocks.0/Add", "fc/Gemm");
        assertThat(m.network().nodes().stream()
                        .map(n -> n.layer())
                        .filter(Layer.Conv2d.class::isInstance)
                        .map(Layer.Conv2d.class::cast)
                        .filter(c -> c.groups() == c.inChannels() && c.groups() > 1))
                .as("depthwise convolutions")
                .hasSize(4);
        assertThat(m.network().nodes().stream().map(n -> n.layer()).filter(Layer.ClippedReLU.class::isInstance))
                .as("ReLU6 (Clip 0..6)")
                .isNotEmpty();
        assertThat(m.weights().has("stem/stem.0/stem.0.1/BatchNormalization.running_var"))
                .isTrue();
    }

    @Test
    void anUnsupportedOperatorIsRefusedBeforeAnyWorkNamingNodeOperatorAndTheList() throws Exception {
        OnnxGraph g = OnnxGraph.read(TestModels.model("resnet_style"));
        List<OnnxGraph.Node> nodes = new ArrayList<>(g.nodes());
        OnnxGraph.Node relu = nodes.get(1);
        nodes.set(1, new OnnxGraph.Node(relu.name(), "Softmax", "", relu.inputs(), relu.outputs(), relu.attributes()));
        OnnxGraph bad = new OnnxGraph(g.name(), g.opset(), nodes, g.initializers(), g.inputs(), g.outputs());
        assertThatThrownBy(() -> OnnxImport.build(bad, "bad"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Softmax x1, first /stem/stem.1/Relu")
                .hasMessageContaining("Supported: Conv, BatchNormalization, Relu, Clip, MaxPool");
    }
}
