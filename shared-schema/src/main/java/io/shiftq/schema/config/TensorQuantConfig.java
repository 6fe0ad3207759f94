package io.shiftq.schema.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * How one kind of tensor (weight, input, output or bias) is quantized to a power-of-two scale.
 *
 * @param bitwidth integer bits, 2..32
 * @param symmetric true: signed range around zero; false: unsigned range for non-negative tensors
 * @param powerOf2 must be true: shiftq only produces power-of-two scales (kept for the seed's config shape)
 * @param perChannel one exponent per output channel; weights only
 * @param rounding the rule that chooses the exponent: max (largest with no overflow), round (rounded log2),
 *     mse (lowest squared error near the no-overflow one), percentile (activations only)
 * @param percentile for the percentile rule: the share of values, in percent, that must not clip
 */
public record TensorQuantConfig(
        int bitwidth,
        boolean symmetric,
        @JsonProperty("power_of_2") boolean powerOf2,
        boolean perChannel,
        String rounding,
        double percentile) {

    /** Every exponent selection rule. */
    public static final List<String> ROUNDINGS = List.of("max", "round", "mse", "percentile");
    /** The rules for weights and biases, whose whole range is known. */
    public static final List<String> STATIC_ROUNDINGS = List.of("max", "round", "mse");
    /** The tensor roles of a layer, in {@link QuantizationSpec} order. */
    public static final List<String> ROLES = List.of("weight", "input", "output", "bias");

    /** The default for a role: 8-bit mse everywhere, signed weights, 32-bit max-rule biases. */
    public static TensorQuantConfig defaults(String role) {
        return switch (role) {
            case "weight" -> new TensorQuantConfig(8, true, true, false, "mse", 99.99);
            case "input", "output" -> new TensorQuantConfig(8, false, true, false, "mse", 99.99);
            case "bias" -> new TensorQuantConfig(32, true, true, false, "max", 99.99);
            default -> throw new IllegalArgumentException("role '" + role + "' is not one of " + ROLES);
        };
    }

    void check(String path, String role, Problems p) {
        p.range(path + ".bitwidth", bitwidth, 2, 32);
        if (!powerOf2) {
            p.add(path + ".power_of_2", "false is not allowed; shiftq only produces power-of-two scales (set true)");
        }
        if (perChannel && !role.equals("weight")) {
            p.add(path + ".per_channel", "true is only allowed for weight; allowed here: false");
        }
        boolean activation = role.equals("input") || role.equals("output");
        if (!activation && "percentile".equals(rounding)) {
            p.add(
                    path + ".rounding",
                    "'percentile' is only allowed for input and output; allowed here: "
                            + String.join(", ", STATIC_ROUNDINGS));
        } else {
            p.oneOf(path + ".rounding", rounding, ROUNDINGS);
        }
        p.interval(path + ".percentile", percentile, 50, false, 100, true);
    }
}
