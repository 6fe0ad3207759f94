package io.shiftq.engine.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.NetworkBuilder;
import io.shiftq.engine.model.StateDict;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.config.TargetConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Exponents moved into a target's limits by hand-worked numbers, and infeasible targets refused by name. */
class TargetSearchTest {

    /** fc.0 (4 -> 2, bias) -> ReLU -> fc.2 (2 -> 2, bias). */
    private static final Network NET = new NetworkBuilder("tiny", 1, 2, 2)
            .sequence("fc")
            .then(n -> new Layer.Linear(n, 4, 2, true))
            .then(Layer.ReLU::new)
            .then(n -> new Layer.Linear(n, 2, 2, true))
            .build(2);

    private static final StateDict WEIGHTS = new StateDict(Map.of(
            "fc.0.weight",
                    new HeapTensor(new long[] {2, 4}, new float[] {0.9f, -0.5f, 0.25f, 0.1f, 0.3f, 0.2f, -0.1f, 0.05f}),
            "fc.0.bias", new HeapTensor(new long[] {2}, new float[] {0.01f, -0.02f}),
            "fc.2.weight", new HeapTensor(new long[] {2, 2}, new float[] {0.5f, -0.4f, 0.3f, 0.2f}),
            "fc.2.bias", new HeapTensor(new long[] {2}, new float[] {0.0f, 0.1f})));

    private static Map<String, ActivationStats> stats(float outMax) {
        Map<String, ActivationStats> s = new LinkedHashMap<>();
        s.put("fc.0.input", new ActivationStats(0f, 1f, new float[] {0f, 0.5f, 1f}, 3));
        // A tiny output range asks for a fine output exponent, so a large shift_cut.
        s.put("fc.0.output", new ActivationStats(0f, outMax, new float[] {0f, outMax / 2, outMax}, 3));
        s.put("fc.2.input", new ActivationStats(0f, outMax, new float[] {0f, outMax / 2, outMax}, 3));
        s.put("fc.2.output", new ActivationStats(-1f, 1f, new float[] {-1f, 0f, 1f}, 3));
        return s;
    }

    private static QuantPolicy policy(String yaml) {
        QuantizationConfig c = QuantizationConfig.parseYaml(yaml);
        return new QuantPolicy(c.quantization(), c.target());
    }

    @Test
    void theDpuShiftCutRangeMovesTheOutputExponentAndSaysWhatItCost() {
        QuantPlan free =
                new QuantPolicy(QuantizationConfig.defaults().quantization()).fullPlan(NET, WEIGHTS, stats(0.0005f));
        LayerQuant f = free.get("fc.0");
        int freeCut = f.weight().exponent() + f.input().exponent() - f.output().exponent();
        assertThat(freeCut).isNegative(); // the output wants a finer exponent than the accumulator has

        QuantPlan dpu = policy("target: {profile: dpu}").fullPlan(NET, WEIGHTS, stats(0.0005f));
        LayerQuant d = dpu.get("fc.0");
        assertThat(d.weight().exponent() + d.input().exponent() - d.output().exponent())
                .isZero();
        assertThat(dpu.notesOf("fc.0"))
                .singleElement()
                .asString()
                .startsWith("output exponent " + f.output().exponent() + " -> "
                        + d.output().exponent() + ": shift_cut range [0, 16], SQNR ")
                .endsWith(" dB");
        // fc.2 reads the same tiny range finely: its shift_cut would pass 16, and lowering its input exponent costs
        // less SQNR than raising its output's (which would clip the logits), so the input moved.
        LayerQuant d2 = dpu.get("fc.2");
        assertThat(d2.weight().exponent() + d2.input().exponent() - d2.output().exponent())
                .isEqualTo(16);
        assertThat(d2.output()).isEqualTo(free.get("fc.2").output());
        assertThat(dpu.notesOf("fc.2")).singleElement().asString().startsWith("input exponent ");
        assertThat(d2.bias().exponent())
                .isEqualTo(d2.weight().exponent() + d2.input().exponent());
    }

    @Test
    void aSixteenBitAccumulatorCoarsensWeightsUntilTheWorstCaseFits() {
        QuantPolicy p = policy("""
                quantization: {bias: {bitwidth: 8}}
                target: {profile: fpga16, limits: {accumulator_bits: 10}}
                """);
        QuantPlan plan = p.fullPlan(NET, WEIGHTS, stats(1f));
        LayerQuant lq = plan.get("fc.0");
        // 8-bit unsigned input codes reach 255: sum |w_code| * 255 + |b_code| must stay <= 511.
        long worst = 0;
        float[] w = WEIGHTS.get("fc.0.weight").data();
        for (int c = 0; c < 2; c++) {
            long sum = 0;
            for (int k = 0; k < 4; k++) {
                sum += Math.abs(Pow2.code(w[c * 4 + k], lq.weight().exponent(), 8, true));
            }
            long b = Math.abs(
                    Pow2.code(WEIGHTS.get("fc.0.bias").data()[c], lq.bias().exponent(), 8, true));
            worst = Math.max(worst, sum * 255 + b);
        }
        assertThat(worst).isLessThanOrEqualTo(511);
        // One exponent finer would break it: the search kept the least coarsening that fits.
        long finer = 0;
        for (int k = 0; k < 4; k++) {
            finer += Math.abs(Pow2.code(w[k], lq.weight().exponent() + 1, 8, true));
        }
        assertThat(finer * 255).isGreaterThan(511);
        assertThat(plan.notesOf("fc.0")).anyMatch(n -> n.contains("accumulator_bits 10"));
    }

    @Test
    void anAccumulatorNoExponentCanMeetIsRefusedNamingTheLayerAndTheLimit() {
        QuantPolicy p = policy("""
                quantization: {bias: {bitwidth: 8}}
                target: {limits: {accumulator_bits: 8}}
                """);
        assertThatThrownBy(() -> p.checkTarget(NET))
                .isInstanceOf(TargetInfeasibleException.class)
                .hasMessage("target generic: layer fc.0 cannot meet target.limits.accumulator_bits: one input code up"
                        + " to 255 (8-bit input) times a weight code of 1 already exceeds 127");
    }

    @Test
    void perChannelExponentsSpreadWiderThanTheShiftRangeAreCoarsened() {
        TargetSearch s = new TargetSearch(
                "t",
                TargetConfig.PROFILES.get("fpga16").with(null),
                QuantizationConfig.parseYaml("quantization: {bias: {bitwidth: 16}}")
                        .quantization());
        HeapTensor w = new HeapTensor(new long[] {2, 1}, new float[] {1f, 1e-6f});
        TensorQuant chosen = TensorQuant.perChannel(8, true, ExponentRule.MAX, new int[] {6, 26});
        List<String> notes = new ArrayList<>();
        TensorQuant fitted = s.weight("fc.0", w, chosen, notes);
        assertThat(fitted.channelExponents()[1] - fitted.channelExponents()[0]).isLessThanOrEqualTo(15);
        assertThat(notes).anyMatch(n -> n.contains("shift_cut range [0, 15]"));
    }

    @Test
    void withoutATargetNothingMoves() {
        QuantPlan a = new QuantPolicy(QuantizationConfig.defaults().quantization()).fullPlan(NET, WEIGHTS, stats(1f));
        QuantPlan b = policy("target: {profile: generic}").fullPlan(NET, WEIGHTS, stats(1f));
        assertThat(b).isEqualTo(a);
        assertThat(b.notes()).isEmpty();
    }
}
