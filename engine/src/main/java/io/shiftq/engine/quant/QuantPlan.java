package io.shiftq.engine.quant;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The quantizers of a whole model, by layer name; an empty plan runs the model in FP32.
 *
 * @param layers quantizers by layer name
 * @param notes per layer, each hardware-target limit that moved one of its exponents and what it cost (empty
 *     without a target)
 */
public record QuantPlan(Map<String, LayerQuant> layers, Map<String, List<String>> notes) {
    /** A plan that quantizes nothing. */
    public static final QuantPlan FLOAT = new QuantPlan(Map.of());

    /** Keeps the layer order. */
    public QuantPlan {
        layers = Collections.unmodifiableMap(new LinkedHashMap<>(layers));
        Map<String, List<String>> copy = new LinkedHashMap<>();
        notes.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        notes = Collections.unmodifiableMap(copy);
    }

    /** A plan no target limit moved. */
    public QuantPlan(Map<String, LayerQuant> layers) {
        this(layers, Map.of());
    }

    /** The target limits that moved a layer's exponents, or an empty list. */
    public List<String> notesOf(String layer) {
        return notes.getOrDefault(layer, List.of());
    }

    /** The quantizers of one layer, or null. */
    public LayerQuant get(String layer) {
        return layers.get(layer);
    }
}
