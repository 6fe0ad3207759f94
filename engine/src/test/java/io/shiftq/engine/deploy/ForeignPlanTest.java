package io.shiftq.engine.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shiftq.engine.model.BatchNormFolding;
import io.shiftq.engine.model.Models;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.quant.ExponentRule;
import io.shiftq.engine.quant.LayerQuant;
import io.shiftq.engine.quant.TensorQuant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** AIMET's one-quantizer-per-tensor placement turned into the engine's plan, on LeNet5 and ResNetSmall. */
class ForeignPlanTest {

    private static final TensorQuant INPUT = TensorQuant.perTensor(8, false, ExponentRule.MAX, 8);

    private static TensorQuant u8(int n) {
        return TensorQuant.perTensor(8, false, ExponentRule.MAX, n);
    }

    private static TensorQuant s8(int n) {
        return TensorQuant.perTensor(8, true, ExponentRule.MAX, n);
    }

    private static Network folded(String name) {
        Network n = Models.create(name, 10, 1, 28, 28);
        return BatchNormFolding.fold(n, StateDict.initialize(n, 0)).network();
    }

    private static Map<String, TensorQuant> params(Network net) {
        Map<String, TensorQuant> p = new HashMap<>();
        net.quantizedLayers().forEach(l -> {
            p.put(l.name() + ".weight", s8(7));
            p.put(l.name() + ".bias", TensorQuant.perTensor(32, true, ExponentRule.MAX, 12));
        });
        return p;
    }

    /** LeNet5 as AIMET places it: quantizers on the ReLUs (conv+ReLU, linear+ReLU supergroups) and on the logits. */
    private static Map<String, TensorQuant> leNetValues() {
        Map<String, TensorQuant> v = new HashMap<>();
        v.put("features.1", u8(5));
        v.put("features.4", u8(4));
        v.put("classifier.1", u8(3));
        v.put("classifier.3", u8(2));
        v.put("classifier.4", s8(1));
        return v;
    }

    @Test
    void aLayerReadsItsProducersQuantizerThroughPoolingAndWritesTheOneAfterItsRelu() {
        Network net = folded("LeNet5");
        ForeignPlan.Result r = ForeignPlan.of(net, new ForeignPlan.Quantizers(INPUT, leNetValues(), params(net)));
        LayerQuant conv1 = r.plan().get("features.0");
        LayerQuant conv2 = r.plan().get("features.3");
        assertThat(conv1.input()).isEqualTo(INPUT);
        assertThat(conv1.output()).isEqualTo(u8(5));
        assertThat(conv2.input()).isEqualTo(u8(5)); // through features.2, a max pool, which keeps the codes
        assertThat(r.plan().get("classifier.0").input()).isEqualTo(u8(4)); // through pool and flatten
        assertThat(r.plan().get("classifier.4").output()).isEqualTo(s8(1));
        assertThat(r.notes()).isEmpty();
        assertThat(r.plan().layers())
                .containsOnlyKeys("features.0", "features.3", "classifier.0", "classifier.2", "classifier.4");
    }

    @Test
    void aSecondQuantizerOnTheLayerBeforeItsReluIsNamedAsWhatTheIntegerPathCannotDo() {
        Network net = folded("LeNet5");
        Map<String, TensorQuant> v = leNetValues();
        v.put("features.0", s8(4));
        ForeignPlan.Result r = ForeignPlan.of(net, new ForeignPlan.Quantizers(INPUT, v, params(net)));
        assertThat(r.plan().get("features.0").output()).isEqualTo(u8(5));
        assertThat(r.notes()).containsOnlyKeys("features.0");
        assertThat(r.notes().get("features.0").get(0)).contains("two quantizers in a row: s8@4", "u8@5");
    }

    @Test
    void aResidualAddAlignsItsInputsToTheFinerExponentExactly() {
        Network net = folded("ResNetSmall");
        Map<String, TensorQuant> v = new HashMap<>();
        v.put("stem.2", u8(5));
        v.put("layer1.0.relu1", u8(4));
        v.put("layer1.0.conv2", s8(3));
        v.put("layer1.0.relu2", u8(4));
        v.put("layer2.0.relu1", u8(4));
        v.put("layer2.0.conv2", s8(3));
        v.put("layer2.0.downsample.0", s8(6));
        v.put("layer2.0.relu2", u8(3));
        v.put("fc", s8(2));
        ForeignPlan.Result r = ForeignPlan.of(net, new ForeignPlan.Quantizers(INPUT, v, params(net)));
        LayerQuant add1 = r.plan().get("layer1.0.add");
        LayerQuant add2 = r.plan().get("layer2.0.add");
        assertThat(add1.input().exponent()).isEqualTo(5); // conv2 at 3, the shortcut (stem) at 5
        assertThat(add1.input().bits()).isEqualTo(32);
        assertThat(add1.output()).isEqualTo(u8(4));
        assertThat(add2.input().exponent()).isEqualTo(6); // conv2 at 3, downsample at 6
        assertThat(r.plan().get("fc").input()).isEqualTo(u8(3));
        assertThat(r.notes()).isEmpty();
    }

    @Test
    void aTensorLeftInFloatIsRefusedNamingTheLayer() {
        Network net = folded("LeNet5");
        Map<String, TensorQuant> v = leNetValues();
        v.remove("classifier.4");
        assertThatThrownBy(() -> ForeignPlan.of(net, new ForeignPlan.Quantizers(INPUT, v, params(net))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("classifier.4: the quantized model leaves its output in float; the integer path needs it in"
                        + " codes");
    }
}
