package io.shiftq.schema.config;

/** The quantization of each tensor role of every layer; the seed's {@code quantization} section. */
public record QuantizationSpec(
        TensorQuantConfig weight, TensorQuantConfig input, TensorQuantConfig output, TensorQuantConfig bias) {

    /** 8-bit weights, inputs and outputs, 32-bit biases. */
    public static QuantizationSpec defaults() {
        return new QuantizationSpec(
                TensorQuantConfig.defaults("weight"),
                TensorQuantConfig.defaults("input"),
                TensorQuantConfig.defaults("output"),
                TensorQuantConfig.defaults("bias"));
    }

    /** The settings for a role: weight, input, output or bias. */
    public TensorQuantConfig forRole(String role) {
        return switch (role) {
            case "weight" -> weight;
            case "input" -> input;
            case "output" -> output;
            case "bias" -> bias;
            default ->
                throw new IllegalArgumentException("role '" + role + "' is not one of " + TensorQuantConfig.ROLES);
        };
    }

    void check(String path, Problems p) {
        for (String role : TensorQuantConfig.ROLES) {
            p.section(path + "." + role, forRole(role), (tensor, at, problems) -> tensor.check(at, role, problems));
        }
    }
}
