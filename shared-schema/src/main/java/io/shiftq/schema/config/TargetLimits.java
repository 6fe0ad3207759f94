package io.shiftq.schema.config;

import java.util.List;

/**
 * What a hardware datapath can shift and accumulate; every field null means "no limit" (or, inside
 * {@code target.limits}, "as the profile says").
 *
 * @param accumulatorBits signed accumulator width: each output channel's worst case
 *     {@code sum |w_code| * max|x_code| + |b_code|} must fit in it
 * @param shiftCutMin smallest right shift from the accumulator to the output, {@code w + i - o}
 * @param shiftCutMax largest such shift
 * @param biasShiftMin smallest left shift of a bias into the accumulator, {@code (w + i) - b}
 * @param biasShiftMax largest such shift
 * @param addReadShiftMin smallest right shift a residual add takes on an input to reach the common exponent
 * @param addReadShiftMax largest such shift
 * @param addWriteShiftMin smallest right shift from an add's common exponent to its output
 * @param addWriteShiftMax largest such shift
 * @param alignConcat whether every input of a concatenation must already sit at the concatenation's exponent
 * @param perChannel whether per-channel weight exponents are allowed
 * @param bitwidths the weight and activation bitwidths the datapath offers
 */
public record TargetLimits(
        Integer accumulatorBits,
        Integer shiftCutMin,
        Integer shiftCutMax,
        Integer biasShiftMin,
        Integer biasShiftMax,
        Integer addReadShiftMin,
        Integer addReadShiftMax,
        Integer addWriteShiftMin,
        Integer addWriteShiftMax,
        Boolean alignConcat,
        Boolean perChannel,
        List<Integer> bitwidths) {

    /** Widest accumulator a limit may name: the executors' {@code long}. */
    public static final int MAX_ACCUMULATOR_BITS = 64;
    /** Smallest accumulator a limit may name. */
    public static final int MIN_ACCUMULATOR_BITS = 8;
    /** Largest |shift| a limit may name: beyond it a 64-bit value shifts to nothing. */
    public static final int MAX_SHIFT = 64;

    /** No limit at all: today's behaviour ({@code generic}). */
    public static final TargetLimits NONE =
            new TargetLimits(null, null, null, null, null, null, null, null, null, null, null, null);

    /** These limits with every non-null field of {@code overrides} put in. */
    public TargetLimits with(TargetLimits overrides) {
        if (overrides == null) {
            return this;
        }
        return new TargetLimits(
                or(overrides.accumulatorBits, accumulatorBits),
                or(overrides.shiftCutMin, shiftCutMin),
                or(overrides.shiftCutMax, shiftCutMax),
                or(overrides.biasShiftMin, biasShiftMin),
                or(overrides.biasShiftMax, biasShiftMax),
                or(overrides.addReadShiftMin, addReadShiftMin),
                or(overrides.addReadShiftMax, addReadShiftMax),
                or(overrides.addWriteShiftMin, addWriteShiftMin),
                or(overrides.addWriteShiftMax, addWriteShiftMax),
                or(overrides.alignConcat, alignConcat),
                or(overrides.perChannel, perChannel),
                or(overrides.bitwidths, bitwidths));
    }

    /** Whether nothing is limited. */
    public boolean isNone() {
        return equals(NONE);
    }

    /** Largest accumulator value, 2^(bits-1) - 1, or Long.MAX_VALUE without a limit. */
    public long accumulatorMax() {
        return accumulatorBits == null || accumulatorBits >= 64 ? Long.MAX_VALUE : (1L << (accumulatorBits - 1)) - 1;
    }

    /** Whether v lies in [min, max], a null end being open. */
    public static boolean within(int v, Integer min, Integer max) {
        return (min == null || v >= min) && (max == null || v <= max);
    }

    /** "[min, max]" with an open end shown as -inf or inf. */
    public static String range(Integer min, Integer max) {
        return "[" + (min == null ? "-inf" : min) + ", " + (max == null ? "inf" : max) + "]";
    }

    private static <T> T or(T first, T second) {
        return first != null ? first : second;
    }

    void check(String path, Problems p) {
        if (accumulatorBits != null) {
            p.range(path + ".accumulator_bits", accumulatorBits, MIN_ACCUMULATOR_BITS, MAX_ACCUMULATOR_BITS);
        }
        pair(path, "shift_cut", shiftCutMin, shiftCutMax, p);
        pair(path, "bias_shift", biasShiftMin, biasShiftMax, p);
        pair(path, "add_read_shift", addReadShiftMin, addReadShiftMax, p);
        pair(path, "add_write_shift", addWriteShiftMin, addWriteShiftMax, p);
        if (bitwidths != null
                && (bitwidths.isEmpty() || bitwidths.stream().anyMatch(b -> b == null || b < 2 || b > 32))) {
            p.add(path + ".bitwidths", "must list bitwidths from 2 to 32, got " + bitwidths);
        }
    }

    private static void pair(String path, String name, Integer min, Integer max, Problems p) {
        if (min != null) {
            p.range(path + "." + name + "_min", min, -MAX_SHIFT, MAX_SHIFT);
        }
        if (max != null) {
            p.range(path + "." + name + "_max", max, -MAX_SHIFT, MAX_SHIFT);
        }
        if (min != null && max != null && min > max) {
            p.add(path + "." + name + "_min", min + " is above " + name + "_max " + max);
        }
    }
}
