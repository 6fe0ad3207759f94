package io.shiftq.engine.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A network as a list of nodes in execution order; a node reads the outputs of earlier nodes
 * (index {@link #INPUT} is the network input). Sequential models read the previous node; residual
 * models name both inputs of an {@link Layer.Add}.
 *
 * @param name architecture name, e.g. {@code VGGSmall}
 * @param nodes the nodes in execution order
 * @param inputShape [channels, height, width] of one sample
 * @param numClasses number of logits
 */
public record Network(String name, List<Node> nodes, int[] inputShape, int numClasses) {
    /** Index used for the network input. */
    public static final int INPUT = -1;

    /**
     * One layer and the nodes it reads.
     *
     * @param layer the operation
     * @param inputs indices of the nodes whose outputs it reads
     */
    public record Node(Layer layer, List<Integer> inputs) {}

    /** The nodes with weights to quantize (convolutions and linear layers), in order. */
    public List<Layer> quantizedLayers() {
        return nodes.stream().map(Node::layer).filter(Layer::quantized).toList();
    }

    /** Index of the node with this name. */
    public int indexOf(String layerName) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).layer().name().equals(layerName)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no layer named " + layerName + " in " + name);
    }

    /** Indices of the nodes that read node i. */
    public List<Integer> consumers(int i) {
        List<Integer> out = new ArrayList<>();
        for (int j = 0; j < nodes.size(); j++) {
            if (nodes.get(j).inputs().contains(i)) {
                out.add(j);
            }
        }
        return out;
    }

    /**
     * The ReLU (or clipped ReLU such as ReLU6) fused into node i's output, if node i's only reader is one. Hardware
     * fuses bias + ReLU + requantization (+ the clamp), so the layer's output quantizer sits after that ReLU.
     */
    public Optional<Integer> fusedRelu(int i) {
        List<Integer> c = consumers(i);
        if (c.size() == 1 && nodes.get(c.get(0)).layer().fusesIntoProducer()) {
            return Optional.of(c.get(0));
        }
        return Optional.empty();
    }

    /**
     * Node index -> name of the layer (convolution, linear or add) whose output quantizer sits
     * there: after the layer's fused ReLU, else on the layer itself. Average pooling, lookup tables, concatenation
     * and elementwise products carry their own output quantizer on themselves.
     */
    public Map<Integer, String> outputOwners() {
        Map<Integer, String> out = new LinkedHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            Layer layer = nodes.get(i).layer();
            if (layer.requantizesAccumulator()) {
                out.put(fusedRelu(i).orElse(i), layer.name());
            } else if (layer.windowSumBits().isPresent() || layer.pointwise().isPresent() || layer.calibratedOutput()) {
                out.put(i, layer.name());
            }
        }
        return out;
    }

    /**
     * The layer whose quantized output reaches node i's first input through ops that keep the
     * exponent (pooling, flatten, dropout, ReLU), or null when that input is the network input.
     */
    public String producerOf(int i, int inputSlot) {
        Map<Integer, String> owners = outputOwners();
        int j = nodes.get(i).inputs().get(inputSlot);
        while (j != INPUT) {
            if (owners.containsKey(j)) {
                return owners.get(j);
            }
            j = nodes.get(j).inputs().get(0);
        }
        return null;
    }

    /** The parameter names and shapes of this network, in PyTorch {@code state_dict} order. */
    public Map<String, long[]> parameterShapes() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Node node : nodes) {
            shapes.putAll(node.layer().parameterShapes());
        }
        return shapes;
    }

    /** Number of FP32 parameters (weights and biases; BatchNorm statistics excluded). */
    public long parameterCount() {
        long n = 0;
        for (Map.Entry<String, long[]> e : parameterShapes().entrySet()) {
            if (!e.getKey().endsWith("running_mean") && !e.getKey().endsWith("running_var")) {
                long size = 1;
                for (long d : e.getValue()) {
                    size *= d;
                }
                n += size;
            }
        }
        return n;
    }
}
