package io.shiftq.schema.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One entry of the report's {@code final_quantization_details}, in the seed's form, e.g.
 * {@code "features.0.weight": {"scale": 0.001953125, "power_of_2": "2^(-9)", "hardware_op": "x >> 9", "bitwidth": 8}}.
 */
public record LayerDetail(
        double scale, @JsonProperty("power_of_2") String powerOf2, String hardwareOp, int bitwidth) {

    /** The entry for a shift at a bitwidth. */
    public static LayerDetail of(ShiftValue v, int bitwidth) {
        return new LayerDetail(v.scale(), v.powerOf2(), v.hardwareOp(), bitwidth);
    }

    /** The entry for a quantized tensor. */
    public static LayerDetail of(TensorShift t) {
        return of(t.shift(), t.bitwidth());
    }

    /** The seed's {@code final_quantization_details}: one entry per quantized tensor, keyed e.g. {@code features.0.weight}. */
    public static Map<String, LayerDetail> byTensor(List<ShiftRecord> records) {
        Map<String, LayerDetail> out = new LinkedHashMap<>();
        for (ShiftRecord r : records) {
            for (TensorShift t : new TensorShift[] {r.weight(), r.bias(), r.input(), r.output()}) {
                if (t != null) {
                    out.put(t.tensor(), of(t));
                }
            }
        }
        return out;
    }
}
