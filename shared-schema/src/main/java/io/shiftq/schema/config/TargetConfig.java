package io.shiftq.schema.config;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The hardware the quantized model must run on: a named profile, optionally with some of its limits spelled out.
 * {@code generic} is shiftq's behaviour without a target (rules broken are only flagged); the others make steps 1
 * and 3 choose exponents inside the limits, and fail the job naming the layer and the limit when none fit.
 *
 * @param profile {@code generic}, {@code dpu} (AMD Quark's power-of-two DPU ranges) or {@code fpga16} (a 16-bit
 *     accumulator datapath)
 * @param limits fields that replace the profile's, or null to take the profile as it is
 */
public record TargetConfig(String profile, TargetLimits limits) {

    /** No target: flag broken rules, enforce none. */
    public static final String GENERIC = "generic";
    /** AMD Quark's power-of-two DPU passes: shift_cut in [0, 16], bias shift in [0, 15], add shifts, int8. */
    public static final String DPU = "dpu";
    /** An FPGA datapath with 16-bit accumulators and shifts, weights and activations up to 8 bits. */
    public static final String FPGA16 = "fpga16";

    /** The profiles by name, each with its limits. */
    public static final Map<String, TargetLimits> PROFILES = Map.of(
            GENERIC,
            TargetLimits.NONE,
            DPU,
            new TargetLimits(32, 0, 16, 0, 15, 0, 7, -7, 25, true, false, List.of(8)),
            FPGA16,
            new TargetLimits(
                    16,
                    0,
                    15,
                    0,
                    15,
                    0,
                    15,
                    0,
                    15,
                    true,
                    true,
                    IntStream.rangeClosed(2, 8).boxed().toList()));

    /** The profile names in the order the docs list them. */
    public static final List<String> PROFILE_NAMES = List.of(GENERIC, DPU, FPGA16);

    /** The generic profile, no overrides. */
    public static TargetConfig defaults() {
        return new TargetConfig(GENERIC, null);
    }

    /** The profile's limits with the overrides put in; {@link TargetLimits#NONE} for an unknown profile. */
    public TargetLimits resolved() {
        return PROFILES.getOrDefault(profile, TargetLimits.NONE).with(limits);
    }

    /** Whether some limit applies (a non-generic profile, or overrides given). */
    public boolean constrains() {
        return !resolved().isNone();
    }

    void check(String path, Problems p) {
        p.oneOf(path + ".profile", profile, PROFILE_NAMES);
        if (limits != null) {
            limits.check(path + ".limits", p);
        }
    }

    /** The quantization settings the target cannot run: bitwidths not offered, per-channel weights. */
    void checkAgainst(QuantizationSpec q, Problems p) {
        TargetLimits t = resolved();
        for (String role : List.of("weight", "input", "output")) {
            int bits = q.forRole(role).bitwidth();
            if (t.bitwidths() != null && !t.bitwidths().contains(bits)) {
                p.add(
                        "quantization." + role + ".bitwidth",
                        bits + " is not offered by target " + profile + "; allowed: " + t.bitwidths());
            }
        }
        if (Boolean.FALSE.equals(t.perChannel()) && q.weight().perChannel()) {
            p.add(
                    "quantization.weight.per_channel",
                    "true is not allowed by target " + profile + " (per-tensor exponents only); allowed: false");
        }
        if (t.accumulatorBits() != null && q.bias().bitwidth() > t.accumulatorBits()) {
            p.add(
                    "quantization.bias.bitwidth",
                    q.bias().bitwidth() + " is wider than target " + profile + "'s " + t.accumulatorBits()
                            + "-bit accumulator; allowed: 2.." + t.accumulatorBits());
        }
    }
}
