package io.shiftq.engine.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Builds a {@link Network} the way PyTorch names modules: each {@code nn.Sequential} is a prefix
 * and its children are numbered ({@code features.0}, {@code features.1}, ...).
 */
public final class NetworkBuilder {
    private final String name;
    private final int[] inputShape;
    private final List<Network.Node> nodes = new ArrayList<>();
    private String prefix = "";
    private int index;

    /** Starts a network with inputs of shape [channels, height, width]. */
    public NetworkBuilder(String name, int channels, int height, int width) {
        this.name = name;
        this.inputShape = new int[] {channels, height, width};
    }

    /** Starts a new numbered sequence, e.g. {@code features} or {@code classifier}. */
    public NetworkBuilder sequence(String newPrefix) {
        this.prefix = newPrefix;
        this.index = 0;
        return this;
    }

    /** Index of the last node added (the network input when none). */
    public int last() {
        return nodes.size() - 1;
    }

    /** Adds a numbered layer reading the previous node; the layer factory receives its name. */
    public NetworkBuilder then(Function<String, Layer> factory) {
        return add(factory.apply(prefix + "." + index++), List.of(last()));
    }

    /** Adds a layer with an explicit name and explicit inputs. */
    public NetworkBuilder add(Layer layer, List<Integer> inputs) {
        nodes.add(new Network.Node(layer, List.copyOf(inputs)));
        return this;
    }

    /** Convolution with bias off (a BatchNorm follows), then BatchNorm and ReLU. */
    public NetworkBuilder convBnRelu(int in, int out, int kernel, int stride) {
        then(n -> new Layer.Conv2d(n, in, out, kernel, stride, kernel / 2, false));
        then(n -> new Layer.BatchNorm2d(n, out, 1e-5f, 0.1f));
        return then(Layer.ReLU::new);
    }

    /** The finished network. */
    public Network build(int numClasses) {
        return new Network(name, List.copyOf(nodes), inputShape.clone(), numClasses);
    }
}
