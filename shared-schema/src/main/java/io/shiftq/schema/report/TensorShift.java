package io.shiftq.schema.report;

import io.shiftq.schema.ImmutableCopies;
import java.util.Collections;
import java.util.List;

/**
 * How one tensor of a layer is quantized.
 *
 * @param tensor the tensor's name, e.g. {@code features.0.weight} or {@code features.0.input}
 * @param signed whether q spans [-2^(b-1), 2^(b-1)-1]; unsigned tensors use [0, 2^b-1]
 * @param rule how the exponent was chosen: max, round, mse or percentile
 * @param shift the exponent; for a per-channel tensor the smallest channel exponent
 * @param channelExponents one exponent per output channel, or null for a per-tensor exponent
 * @param sqnrDb signal-to-quantization-noise ratio in dB, 10·log10(Σx² / Σ(x - x̂)²), when measured
 * @param provisional true for a bias quantized on its own before the input exponent was known (the ptq and qat stages)
 */
public record TensorShift(
        String tensor,
        int bitwidth,
        boolean signed,
        String rule,
        ShiftValue shift,
        List<Integer> channelExponents,
        Double sqnrDb,
        boolean provisional) {

    /**
     * The SQNR recorded for a tensor that quantization leaves unchanged (no noise: the ratio is infinite, which
     * JSON cannot carry).
     */
    public static final double SQNR_DB_WITHOUT_NOISE = 200.0;

    /** Copies the channel exponents so the record cannot change after it is built. */
    public TensorShift {
        channelExponents = ImmutableCopies.list(channelExponents);
    }

    /** A tensor with one exponent. */
    public static TensorShift perTensor(
            String tensor, int bitwidth, boolean signed, String rule, int exponent, Double sqnrDb) {
        return new TensorShift(tensor, bitwidth, signed, rule, ShiftValue.of(exponent), null, sqnrDb, false);
    }

    /** A weight with one exponent per output channel; {@link #shift()} holds the smallest. */
    public static TensorShift perChannel(
            String tensor, int bitwidth, boolean signed, String rule, List<Integer> channelExponents, Double sqnrDb) {
        if (channelExponents.isEmpty()) {
            throw new IllegalArgumentException(tensor + ": per-channel exponents must not be empty");
        }
        return new TensorShift(
                tensor,
                bitwidth,
                signed,
                rule,
                ShiftValue.of(Collections.min(channelExponents)),
                channelExponents,
                sqnrDb,
                false);
    }

    /** The same tensor marked provisional (a bias quantized before its input exponent was known). */
    public TensorShift asProvisional() {
        return new TensorShift(tensor, bitwidth, signed, rule, shift, channelExponents, sqnrDb, true);
    }

    /** The exponent n of {@link #shift()}. */
    public int exponent() {
        return shift.exponent();
    }
}
