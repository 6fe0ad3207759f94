package io.shiftq.engine.spi;

import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.ModelProvider;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.NetworkBuilder;
import io.shiftq.engine.model.PointwiseFunction;
import io.shiftq.engine.model.PointwiseFunction.Kind;
import java.util.List;
import java.util.Set;

/**
 * A test network with every lookup-table activation, each reading a convolution's codes: Sigmoid, HardSigmoid,
 * HardSwish, SiLU, Tanh, GELU and LeakyRelu, then a padded average pool and a linear head.
 */
public final class EveryActivation implements ModelProvider {
    @Override
    public Set<String> names() {
        return Set.of("EveryActivation");
    }

    @Override
    public Network create(String name, int numClasses, int channels, int height, int width) {
        NetworkBuilder b = new NetworkBuilder(name, channels, height, width);
        List<Layer> activations = List.of(
                new Layer.Sigmoid("sigmoid"),
                new Layer.HardSigmoid("hard_sigmoid", 1f / 6, 0.5f),
                new Layer.HardSwish("hard_swish"),
                new Layer.Pointwise("silu", PointwiseFunction.of(Kind.SILU)),
                new Layer.Pointwise("tanh", PointwiseFunction.of(Kind.TANH)),
                new Layer.Pointwise("gelu", PointwiseFunction.of(Kind.GELU)),
                new Layer.Pointwise("leaky", new PointwiseFunction(Kind.LEAKY_RELU, 0.1f, 0f)));
        int in = channels;
        int stride = 2;
        for (Layer a : activations) {
            b.add(new Layer.Conv2d(a.name() + "_conv", in, 8, 3, stride, 1, true), List.of(b.last()));
            b.add(a, List.of(b.last()));
            in = 8;
            stride = 1;
        }
        int side = (height - 1) / 2 + 1;
        Layer.PaddedPool2d pool = new Layer.PaddedPool2d("pool", false, 3, 2, 1, true, false);
        b.add(pool, List.of(b.last()));
        b.add(new Layer.Flatten("flatten"), List.of(b.last()));
        int s = pool.outputSize(side);
        b.add(new Layer.Linear("head", 8 * s * s, numClasses, true), List.of(b.last()));
        return b.build(numClasses);
    }
}
