package io.shiftq.engine.quant;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The quantizers of a whole model, by layer name; an empty plan runs the model in FP32.
 *
 * @param layers quantizers by layer name
 */
public record QuantPlan(Map<String, LayerQuant> layers) {
    /** A plan that quantizes nothing. */
    public static final QuantPlan FLOAT = new QuantPlan(Map.of());

    /** Keeps the layer order. */
    public QuantPlan {
        layers = Collections.unmodifiableMap(new LinkedHashMap<>(layers));
    }

    /** The quantizers of one layer, or null. */
    public LayerQuant get(String layer) {
        return layers.get(layer);
    }
}
