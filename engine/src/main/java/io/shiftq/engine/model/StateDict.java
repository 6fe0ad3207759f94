package io.shiftq.engine.model;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A model's parameters by PyTorch {@code state_dict} name ({@code features.0.weight},
 * {@code features.1.running_mean}), in Java memory so they can be folded, saved and exported.
 *
 * @param tensors parameters by name, in network order
 */
public record StateDict(Map<String, HeapTensor> tensors) {

    /** Keeps the order and forbids later changes. */
    public StateDict {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /** The parameter with this name; fails naming it when absent. */
    public HeapTensor get(String name) {
        HeapTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no parameter " + name + "; have " + tensors.keySet());
        }
        return t;
    }

    /** Whether the parameter exists. */
    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /**
     * PyTorch's default initialization: weights and biases uniform in ±1/sqrt(fan_in) (what
     * kaiming_uniform_ with a=sqrt(5) gives), BatchNorm weight 1, bias 0, mean 0, variance 1.
     */
    public static StateDict initialize(Network network, long seed) {
        Random rnd = new Random(seed);
        Map<String, HeapTensor> out = new LinkedHashMap<>();
        Map<String, long[]> shapes = network.parameterShapes();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            float[] v = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
            String owner = name.substring(0, name.lastIndexOf('.'));
            boolean batchNorm = shapes.containsKey(owner + ".running_var");
            if (batchNorm) {
                Arrays.fill(v, name.endsWith(".weight") || name.endsWith(".running_var") ? 1f : 0f);
            } else {
                long[] w = shapes.get(owner + ".weight");
                long fanIn = 1;
                for (int i = 1; i < w.length; i++) {
                    fanIn *= w[i];
                }
                float bound = (float) (1 / Math.sqrt(fanIn));
                for (int i = 0; i < v.length; i++) {
                    v[i] = (rnd.nextFloat() * 2 - 1) * bound;
                }
            }
            out.put(name, new HeapTensor(shape, v));
        }
        return new StateDict(out);
    }

    /** A copy with one parameter replaced or added. */
    public StateDict with(String name, HeapTensor t) {
        Map<String, HeapTensor> m = new LinkedHashMap<>(tensors);
        m.put(name, t);
        return new StateDict(m);
    }

    /** Checks that every parameter of the network is present with the right shape. */
    public void checkFits(Network network) {
        for (Map.Entry<String, long[]> e : network.parameterShapes().entrySet()) {
            HeapTensor t = tensors.get(e.getKey());
            if (t == null) {
                throw new IllegalArgumentException(
                        "model.weights: missing parameter " + e.getKey() + " for " + network.name());
            }
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new IllegalArgumentException("model.weights: " + e.getKey() + " has shape "
                        + Arrays.toString(t.shape()) + ", " + network.name() + " needs "
                        + Arrays.toString(e.getValue()));
            }
        }
    }
}
