package io.shiftq.schema.report;

import io.shiftq.schema.config.TargetLimits;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a shift record against a hardware target's limits; each breach one sentence naming the limit, in the
 * record's {@code violations}, so a report's violation count covers the target too.
 */
public final class TargetCheck {
    private TargetCheck() {}

    /** The limits the record breaks; empty when it meets them all (or the target limits nothing). */
    public static List<String> violations(ShiftRecord r, TargetLimits t) {
        List<String> found = new ArrayList<>();
        if (r.weight() != null && r.input() != null && r.output() != null) {
            for (int w : weightExponents(r.weight())) {
                int cut = w + r.input().exponent() - r.output().exponent();
                range(found, "shift_cut", cut, t.shiftCutMin(), t.shiftCutMax());
            }
        }
        if (r.biasShift() != null) {
            range(found, "bias_shift", r.biasShift(), t.biasShiftMin(), t.biasShiftMax());
        }
        if ("Add".equals(r.opType())) {
            for (Integer read : r.addInputShifts()) {
                range(found, "add_read_shift", read, t.addReadShiftMin(), t.addReadShiftMax());
            }
            if (r.shiftCut() != null) {
                range(found, "add_write_shift", r.shiftCut(), t.addWriteShiftMin(), t.addWriteShiftMax());
            }
        }
        if ("Concat".equals(r.opType()) && Boolean.TRUE.equals(t.alignConcat()) && r.addInputShifts() != null) {
            for (Integer shift : r.addInputShifts()) {
                range(found, "align_concat input shift", shift, 0, 0);
            }
        }
        if (r.accumulatorBound() != null && r.accumulatorBound() > t.accumulatorMax()) {
            found.add("target accumulator_bits " + t.accumulatorBits() + ": worst-case accumulator "
                    + r.accumulatorBound() + " > " + t.accumulatorMax());
        }
        return found.stream().distinct().toList();
    }

    private static List<Integer> weightExponents(TensorShift w) {
        return w.channelExponents() != null ? w.channelExponents() : List.of(w.exponent());
    }

    private static void range(List<String> found, String name, Integer v, Integer min, Integer max) {
        if (v != null && !TargetLimits.within(v, min, max)) {
            found.add("target " + name + " " + v + " outside " + TargetLimits.range(min, max));
        }
    }
}
