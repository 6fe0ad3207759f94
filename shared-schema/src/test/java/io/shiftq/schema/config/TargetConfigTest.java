package io.shiftq.schema.config;

import static io.shiftq.schema.config.QuantizationConfigTest.problemsOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TargetConfigTest {

    @Test
    void theDefaultTargetIsGenericAndLimitsNothing() {
        TargetConfig t = QuantizationConfig.defaults().target();
        assertThat(t.profile()).isEqualTo("generic");
        assertThat(t.constrains()).isFalse();
        assertThat(QuantizationConfig.parseYaml("").target()).isEqualTo(t);
    }

    @Test
    void theDpuProfileCarriesQuarksRanges() {
        TargetLimits l =
                QuantizationConfig.parseYaml("target: {profile: dpu}").target().resolved();
        assertThat(List.of(l.shiftCutMin(), l.shiftCutMax(), l.biasShiftMax(), l.addReadShiftMax()))
                .containsExactly(0, 16, 15, 7);
        assertThat(List.of(l.addWriteShiftMin(), l.addWriteShiftMax())).containsExactly(-7, 25);
        assertThat(l.perChannel()).isFalse();
    }

    @Test
    void spelledOutLimitsReplaceTheProfilesOwn() {
        QuantizationConfig c = QuantizationConfig.parseYaml("""
                quantization: {weight: {bitwidth: 4}, input: {bitwidth: 4}, output: {bitwidth: 4}, bias: {bitwidth: 12}}
                target: {profile: fpga16, limits: {accumulator_bits: 12, shift_cut_max: 10}}
                """);
        TargetLimits l = c.target().resolved();
        assertThat(l.accumulatorBits()).isEqualTo(12);
        assertThat(l.shiftCutMax()).isEqualTo(10);
        assertThat(l.shiftCutMin()).isZero();
        assertThat(l.accumulatorMax()).isEqualTo(2047);
    }

    @Test
    void badTargetsAreRefusedNamingTheFieldAndWhatIsAllowed() {
        assertThat(problemsOf("target: {profile: tpu}"))
                .containsExactly("target.profile: 'tpu' is not one of generic, dpu, fpga16");
        assertThat(problemsOf("target: {limits: {accumulator_bits: 4, shift_cut_min: 3, shift_cut_max: 1}}"))
                .contains(
                        "target.limits.accumulator_bits: 4 is outside the allowed range 8..64",
                        "target.limits.shift_cut_min: 3 is above shift_cut_max 1");
        assertThat(problemsOf("target: {limits: {bitwidths: []}}"))
                .containsExactly("target.limits.bitwidths: must list bitwidths from 2 to 32, got []");
        assertThat(String.join("\n", problemsOf("target: {limits: {shift_cuts: 1}}")))
                .contains("target.limits", "shift_cuts");
    }

    @Test
    void quantizationTheTargetCannotRunIsRefusedByField() {
        assertThat(problemsOf("""
                        quantization: {weight: {bitwidth: 4, per_channel: true}}
                        target: {profile: dpu}
                        """))
                .containsExactly(
                        "quantization.weight.bitwidth: 4 is not offered by target dpu; allowed: [8]",
                        "quantization.weight.per_channel: true is not allowed by target dpu (per-tensor exponents"
                                + " only); allowed: false");
        assertThat(problemsOf("target: {profile: fpga16}"))
                .containsExactly("quantization.bias.bitwidth: 32 is wider than target fpga16's 16-bit accumulator;"
                        + " allowed: 2..16");
    }
}
