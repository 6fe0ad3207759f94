package io.shiftq.schema.report;

import io.shiftq.schema.ImmutableCopies;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the integer hardware needs for one layer: the exponents of its tensors and the shifts between them.
 * Tensors not quantized (yet) are null, and so are the shifts that need them.
 *
 * @param layer the model's own layer name, e.g. {@code features.0}
 * @param opType e.g. {@code Conv2d}, {@code Linear}
 * @param shiftCut w + i - o: the right shift from the accumulator to the output
 * @param biasShift (w + i) - b: the left shift that aligns the bias with the accumulator
 * @param inputAlignShift this layer's input exponent minus the producing layer's output exponent
 * @param valueRounding how values are rounded to integers, e.g. {@code half_up} (matches the hardware shift)
 * @param violations what hardware could not do as recorded, e.g. a negative shift_cut; empty when none
 * @param addInputShifts for a residual add: the right shift each input takes to reach the common
 *     (coarser) exponent held in {@code input}; null for other layers
 * @param targetNotes with a hardware target: each limit that moved one of this layer's exponents from the
 *     least-error choice, and the SQNR it cost; null without a target or when nothing moved
 * @param accumulatorBound with a hardware target, for a convolution or linear layer: the largest
 *     {@code sum |w_code| * max|x_code| + |b_code|} over its output channels, which no partial sum can exceed
 *     whatever the input codes; null otherwise
 */
public record ShiftRecord(
        String layer,
        String opType,
        TensorShift weight,
        TensorShift bias,
        TensorShift input,
        TensorShift output,
        Integer shiftCut,
        Integer biasShift,
        Integer inputAlignShift,
        String valueRounding,
        List<String> violations,
        List<Integer> addInputShifts,
        List<String> targetNotes,
        Long accumulatorBound) {

    /** Rounding half up: add 2^(s-1), then shift; what an integer right shift with rounding does. */
    public static final String HALF_UP = "half_up";
    /** Bits of the accumulator: a bias is shifted into it, and residual adds align their inputs into it. */
    public static final int ACCUMULATOR_BITS = 32;

    /**
     * The violation messages by kind, with {@code {name}} placeholders; {@code conventions.json} carries them to
     * non-Java producers, so a record says the same words whichever variant made it.
     */
    public static final Map<String, String> VIOLATION_TEMPLATES = sorted(Map.of(
            "negative_shift_cut",
            "shift_cut {shift_cut} < 0: output exponent finer than the accumulator",
            "negative_bias_shift",
            "bias_shift {bias_shift} < 0: bias exponent finer than the accumulator, low bias bits lost",
            "bias_overflows_accumulator",
            "bias_shift {bias_shift} with {bias_bits}-bit bias exceeds the {accumulator_bits}-bit accumulator"));

    /** Copies the violations so the record cannot change after it is built. */
    public ShiftRecord {
        violations = ImmutableCopies.list(violations);
        addInputShifts = ImmutableCopies.list(addInputShifts);
        targetNotes = ImmutableCopies.list(targetNotes);
    }

    /** A record without the hardware-target fields. */
    public ShiftRecord(
            String layer,
            String opType,
            TensorShift weight,
            TensorShift bias,
            TensorShift input,
            TensorShift output,
            Integer shiftCut,
            Integer biasShift,
            Integer inputAlignShift,
            String valueRounding,
            List<String> violations,
            List<Integer> addInputShifts) {
        this(
                layer,
                opType,
                weight,
                bias,
                input,
                output,
                shiftCut,
                biasShift,
                inputAlignShift,
                valueRounding,
                violations,
                addInputShifts,
                null,
                null);
    }

    /** This record with a hardware target's findings: the violations it adds, its notes and accumulator bound. */
    public ShiftRecord withTarget(List<String> targetViolations, List<String> notes, Long bound) {
        List<String> all = new ArrayList<>(violations);
        all.addAll(targetViolations);
        return new ShiftRecord(
                layer,
                opType,
                weight,
                bias,
                input,
                output,
                shiftCut,
                biasShift,
                inputAlignShift,
                valueRounding,
                all,
                addInputShifts,
                notes == null || notes.isEmpty() ? null : notes,
                bound);
    }

    /**
     * A record whose shifts and violations are worked out from its tensors.
     *
     * @param previousOutputExponent the producing layer's output exponent, or null for the model input
     */
    public static ShiftRecord derive(
            String layer,
            String opType,
            TensorShift weight,
            TensorShift bias,
            TensorShift input,
            TensorShift output,
            Integer previousOutputExponent,
            String valueRounding) {
        Integer accumulator = weight == null || input == null ? null : weight.exponent() + input.exponent();
        Integer shiftCut = accumulator == null || output == null ? null : accumulator - output.exponent();
        Integer biasShift = accumulator == null || bias == null ? null : accumulator - bias.exponent();
        Integer align =
                input == null || previousOutputExponent == null ? null : input.exponent() - previousOutputExponent;
        return new ShiftRecord(
                layer,
                opType,
                weight,
                bias,
                input,
                output,
                shiftCut,
                biasShift,
                align,
                valueRounding,
                violations(shiftCut, biasShift, bias),
                null);
    }

    /**
     * The record of a residual add: both inputs are shifted right to the common exponent of
     * {@code align} (the coarser of the two), summed, and the sum goes to the output by
     * {@code shift_cut = align - o}.
     *
     * @param inputExponents the output exponents of the two layers that feed the add
     */
    public static ShiftRecord deriveAdd(
            String layer, TensorShift align, TensorShift output, List<Integer> inputExponents, String valueRounding) {
        List<Integer> shifts =
                inputExponents.stream().map(e -> e - align.exponent()).toList();
        Integer shiftCut = output == null ? null : align.exponent() - output.exponent();
        return new ShiftRecord(
                layer,
                "Add",
                null,
                null,
                align,
                output,
                shiftCut,
                null,
                null,
                valueRounding,
                violations(shiftCut, null, null),
                shifts);
    }

    private static List<String> violations(Integer shiftCut, Integer biasShift, TensorShift bias) {
        List<String> found = new ArrayList<>();
        if (shiftCut != null && shiftCut < 0) {
            found.add(violation("negative_shift_cut", Map.of("shift_cut", shiftCut)));
        }
        if (biasShift != null && biasShift < 0) {
            found.add(violation("negative_bias_shift", Map.of("bias_shift", biasShift)));
        }
        // A bias shifted left by s keeps its value only while its bits plus s fit in the accumulator.
        if (biasShift != null && biasShift > 0 && bias.bitwidth() + biasShift > ACCUMULATOR_BITS) {
            found.add(violation(
                    "bias_overflows_accumulator",
                    Map.of(
                            "bias_shift",
                            biasShift,
                            "bias_bits",
                            bias.bitwidth(),
                            "accumulator_bits",
                            ACCUMULATOR_BITS)));
        }
        return found;
    }

    private static Map<String, String> sorted(Map<String, String> map) {
        return Collections.unmodifiableMap(new TreeMap<>(map));
    }

    /** The message of a violation: its template with each {@code {name}} replaced by the value. */
    static String violation(String kind, Map<String, Integer> values) {
        String text = VIOLATION_TEMPLATES.get(kind);
        for (Map.Entry<String, Integer> v : values.entrySet()) {
            text = text.replace("{" + v.getKey() + "}", String.valueOf(v.getValue()));
        }
        return text;
    }
}
