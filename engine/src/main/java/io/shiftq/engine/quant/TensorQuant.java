package io.shiftq.engine.quant;

import io.shiftq.schema.report.TensorShift;
import java.util.Arrays;

/**
 * The chosen quantizer of one tensor: bitwidth, signedness, rule and exponent (one per output
 * channel when per-channel).
 *
 * @param bits bitwidth, 2..32
 * @param signed whether codes are two's complement
 * @param rule the rule that chose the exponent
 * @param exponent the exponent n (scale 2^-n); for per-channel tensors the smallest channel exponent
 * @param channelExponents one exponent per output channel, or null for per-tensor
 */
public record TensorQuant(int bits, boolean signed, ExponentRule rule, int exponent, int[] channelExponents) {

    /** A per-tensor quantizer. */
    public static TensorQuant perTensor(int bits, boolean signed, ExponentRule rule, int exponent) {
        return new TensorQuant(bits, signed, rule, exponent, null);
    }

    /** A per-channel quantizer; {@link #exponent()} is the smallest (coarsest) channel exponent. */
    public static TensorQuant perChannel(int bits, boolean signed, ExponentRule rule, int[] exponents) {
        return new TensorQuant(
                bits, signed, rule, Arrays.stream(exponents).min().orElse(0), exponents.clone());
    }

    /** Whether the tensor has one exponent per output channel. */
    public boolean isPerChannel() {
        return channelExponents != null;
    }

    /** Exponent of output channel c (the tensor's exponent when per-tensor). */
    public int exponentOf(int channel) {
        return channelExponents == null ? exponent : channelExponents[channel];
    }

    /** Smallest code. */
    public long qmin() {
        return Pow2.qmin(bits, signed);
    }

    /** Largest code. */
    public long qmax() {
        return Pow2.qmax(bits, signed);
    }

    /** The same quantizer at another exponent (bias at w+i, for instance). */
    public TensorQuant withExponents(int[] exponents) {
        return exponents.length == 1 && channelExponents == null
                ? perTensor(bits, signed, rule, exponents[0])
                : perChannel(bits, signed, rule, exponents);
    }

    /**
     * SQNR of the values under this quantizer in dB; per channel, the signal and noise of all channels summed (the
     * values laid out channel by channel, as PyTorch stores a weight).
     */
    public double sqnrDb(float[] values) {
        if (!isPerChannel()) {
            return Pow2.sqnrDb(values, exponent, bits, signed);
        }
        int per = values.length / channelExponents.length;
        double signal = 0;
        double noise = 0;
        for (int i = 0; i < values.length; i++) {
            double d = values[i] - Pow2.fakeQuant(values[i], exponentOf(i / per), bits, signed);
            signal += (double) values[i] * values[i];
            noise += d * d;
        }
        return noise == 0 ? TensorShift.SQNR_DB_WITHOUT_NOISE : 10 * Math.log10(signal / noise);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorQuant t
                && bits == t.bits
                && signed == t.signed
                && rule == t.rule
                && exponent == t.exponent
                && Arrays.equals(channelExponents, t.channelExponents);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * bits + exponent) + Arrays.hashCode(channelExponents);
    }

    @Override
    public String toString() {
        return (signed ? "s" : "u") + bits + "@" + (isPerChannel() ? Arrays.toString(channelExponents) : exponent);
    }
}
