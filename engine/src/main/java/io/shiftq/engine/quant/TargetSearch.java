package io.shiftq.engine.quant;

import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.schema.config.QuantizationSpec;
import io.shiftq.schema.config.TargetLimits;
import io.shiftq.schema.report.Hundredths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Moves exponents into a hardware target's limits, each move the least one that fits (the exponent nearest the
 * unconstrained, least-error choice), and writes down per layer which limit bound it and what it cost in SQNR.
 *
 * <ul>
 *   <li>Accumulator: per output channel, {@code sum |w_code| * max|x_code| + |b_code| <= 2^(bits-1) - 1}, met by
 *       coarsening the weight exponent (max|x_code| depends only on the input's bitwidth and sign, so the ptq stage and
 *       QAT can keep it before the input exponent is known). Every partial sum of the channel then fits as well.
 *   <li>{@code shift_cut = w_c + i - o}: the output exponent o moved into the range; per-channel weight exponents
 *       whose spread is wider than the range coarsened first.
 *   <li>Adds: a producer whose output is finer than the other input's by more than the read-shift range coarsened;
 *       the add's output moved into the write-shift range. Concatenations (when aligned): every producer moved to
 *       the coarsest exponent of the group, so no input shifts. Changes propagate until nothing moves.
 * </ul>
 */
public final class TargetSearch {
    /** Passes over the network before two limits are declared in conflict. */
    private static final int MAX_PASSES = 32;

    private final String profile;
    private final TargetLimits limits;
    private final QuantizationSpec spec;

    /** A search for one target. */
    public TargetSearch(String profile, TargetLimits limits, QuantizationSpec spec) {
        this.profile = profile;
        this.limits = limits;
        this.spec = spec;
    }

    /**
     * Structural checks that need no data, run before any long work: a single input code times a weight code of 1
     * must fit the accumulator, a bias must be able to sit at the accumulator's exponent, an add must be able to
     * read its coarser input unshifted, and an average pool's window sum must fit.
     */
    public void checkFeasible(Network network) {
        long accMax = limits.accumulatorMax();
        long xMax = worstInputCode();
        for (int i = 0; i < network.nodes().size(); i++) {
            Layer layer = network.nodes().get(i).layer();
            if (layer.quantized() && xMax > accMax) {
                fail(
                        layer.name(),
                        "accumulator_bits",
                        "one input code up to " + xMax + " (" + spec.input().bitwidth()
                                + "-bit input) times a weight code of 1 already exceeds " + accMax);
            }
            if (layer.quantized() && !TargetLimits.within(0, limits.biasShiftMin(), limits.biasShiftMax())) {
                fail(
                        layer.name(),
                        "bias_shift_min",
                        "the bias sits at the accumulator's exponent (bias shift 0)," + " outside "
                                + TargetLimits.range(limits.biasShiftMin(), limits.biasShiftMax()));
            }
            if (layer.getClass() == Layer.Add.class && !TargetLimits.within(0, limits.addReadShiftMin(), null)) {
                fail(layer.name(), "add_read_shift_min", "the coarser input of an add is read unshifted (0)");
            }
            if (layer.getClass() == Layer.AvgPool2d.class) {
                Layer.AvgPool2d p = (Layer.AvgPool2d) layer;
                long sum = p.window() * Pow2.qmax(spec.output().bitwidth(), false);
                if (sum > accMax) {
                    fail(
                            layer.name(),
                            "accumulator_bits",
                            "the " + p.window() + "-code window sum reaches " + sum + " > " + accMax);
                }
            }
        }
    }

    /**
     * A weight quantizer within the limits that need no activation: per-channel exponents spread no wider than the
     * shift_cut range, and each channel's sum |w_code| * max|x_code| inside the accumulator.
     *
     * @param notes receives one line per limit that moved an exponent
     */
    public TensorQuant weight(String layer, HeapTensor w, TensorQuant chosen, List<String> notes) {
        int[] e = exponents(chosen);
        if (chosen.isPerChannel() && limits.shiftCutMin() != null && limits.shiftCutMax() != null) {
            int cap = Arrays.stream(e).min().orElse(0) + limits.shiftCutMax() - limits.shiftCutMin();
            for (int c = 0; c < e.length; c++) {
                e[c] = Math.min(e[c], cap);
            }
            note(notes, chosen, e, w, "shift_cut range " + range(limits.shiftCutMin(), limits.shiftCutMax()));
        }
        return fitAccumulator(layer, w, chosen, chosen.withExponents(e), worstInputCode(), null, 0, notes);
    }

    /**
     * The final_ptq stage: the full plan moved into every limit.
     *
     * @throws TargetInfeasibleException naming the layer and the limit when no choice fits
     */
    public QuantPlan constrain(Network network, QuantPlan plan, StateDict weights, Map<String, ActivationStats> stats) {
        Map<String, LayerQuant> layers = new LinkedHashMap<>(plan.layers());
        Map<String, List<String>> notes = new LinkedHashMap<>();
        plan.notes().forEach((k, v) -> notes.put(k, new ArrayList<>(v)));
        Pass pass = new Pass(network, layers, weights, stats, notes);
        for (int n = 0; n < MAX_PASSES; n++) {
            if (!pass.run()) {
                return new QuantPlan(layers, notes);
            }
        }
        throw new TargetInfeasibleException(
                profile,
                pass.lastMoved,
                "shift ranges",
                "the shift_cut, add and concatenation limits keep moving its exponents after " + MAX_PASSES
                        + " passes; they conflict");
    }

    /** What a pass does at a layer without weights that carries exponents of its own. */
    private interface Step {
        void apply(Pass pass, int node, Layer layer, LayerQuant lq);
    }

    /** The steps by layer type, looked up by class as {@code Operators.BUILDERS} does for the integer ops. */
    private static final Map<Class<? extends Layer>, Step> STEPS = Map.of(
            Layer.Add.class, (pass, i, layer, lq) -> pass.add(i, layer.name(), lq),
            Layer.AvgPool2d.class, (pass, i, layer, lq) -> pass.pool(i, (Layer.AvgPool2d) layer, lq),
            Layer.Concat.class, (pass, i, layer, lq) -> pass.concat(i, layer.name(), lq));

    /** One walk over the network in order; {@link #run} says whether it moved anything. */
    private final class Pass {
        final Network network;
        final Map<String, LayerQuant> layers;
        final StateDict weights;
        final Map<String, ActivationStats> stats;
        final Map<String, List<String>> notes;
        String lastMoved = "?";
        boolean moved;

        Pass(
                Network network,
                Map<String, LayerQuant> layers,
                StateDict weights,
                Map<String, ActivationStats> stats,
                Map<String, List<String>> notes) {
            this.network = network;
            this.layers = layers;
            this.weights = weights;
            this.stats = stats;
            this.notes = notes;
        }

        boolean run() {
            moved = false;
            for (int i = 0; i < network.nodes().size(); i++) {
                Layer layer = network.nodes().get(i).layer();
                LayerQuant lq = layers.get(layer.name());
                if (lq == null) {
                    continue;
                }
                if (layer.quantized()) {
                    weighted(layer.name(), lq);
                } else if (STEPS.containsKey(layer.getClass())) {
                    STEPS.get(layer.getClass()).apply(this, i, layer, lq);
                }
            }
            return moved;
        }

        private List<String> notesOf(String layer) {
            return notes.computeIfAbsent(layer, k -> new ArrayList<>());
        }

        private void put(String layer, LayerQuant lq) {
            if (!lq.equals(layers.get(layer))) {
                layers.put(layer, lq);
                moved = true;
                lastMoved = layer;
            }
        }

        /** Accumulator with the bias, then the output exponent into the shift_cut range. */
        private void weighted(String n, LayerQuant lq) {
            HeapTensor w = weights.get(n + ".weight");
            float[] bias = weights.has(n + ".bias") ? weights.get(n + ".bias").data() : null;
            TensorQuant wq = fitAccumulator(
                    n,
                    w,
                    lq.weight(),
                    lq.weight(),
                    inputCode(lq.input()),
                    bias,
                    lq.input().exponent(),
                    notesOf(n));
            TensorQuant b = lq.bias() == null ? null : biasAt(lq.bias(), wq, lq.input());
            int lo = Integer.MIN_VALUE;
            int hi = Integer.MAX_VALUE;
            int channels = wq.isPerChannel() ? wq.channelExponents().length : 1;
            for (int c = 0; c < channels; c++) {
                int acc = wq.exponentOf(c) + lq.input().exponent();
                if (limits.shiftCutMax() != null) {
                    lo = Math.max(lo, acc - limits.shiftCutMax());
                }
                if (limits.shiftCutMin() != null) {
                    hi = Math.min(hi, acc - limits.shiftCutMin());
                }
            }
            if (lo > hi) {
                fail(
                        n,
                        "shift_cut_max",
                        "its channels' accumulator exponents spread wider than "
                                + range(limits.shiftCutMin(), limits.shiftCutMax()));
            }
            String why = "shift_cut range " + range(limits.shiftCutMin(), limits.shiftCutMax());
            int o = lq.output().exponent();
            int d = o < lo ? lo - o : o > hi ? hi - o : 0;
            if (d != 0 && cheaperToMoveInput(n, lq, d)) {
                // Moving the input by -d changes every channel's accumulator exponent by -d: the same shift_cut
                // change as moving the output by +d, at the input's cost instead of the output's.
                TensorQuant in = lq.input().withExponents(new int[] {lq.input().exponent() - d});
                noteMove(n, "input", lq.input(), in, why);
                put(n, new LayerQuant(wq, b == null ? null : biasAt(b, wq, in), in, lq.output()));
                return;
            }
            TensorQuant out = moveOutput(n, lq.output(), lo, hi, why);
            put(n, new LayerQuant(wq, b, lq.input(), out));
        }

        /** Whether moving the input exponent by -d costs less SQNR than moving the output's by +d. */
        private boolean cheaperToMoveInput(String n, LayerQuant lq, int d) {
            ActivationStats in = stats.get(n + ".input");
            ActivationStats out = stats.get(n + ".output");
            if (in == null || out == null) {
                return false;
            }
            return loss(in, lq.input(), -d) < loss(out, lq.output(), d);
        }

        private double loss(ActivationStats s, TensorQuant q, int d) {
            return Pow2.sqnrDb(s.sample(), q.exponent(), q.bits(), q.signed())
                    - Pow2.sqnrDb(s.sample(), q.exponent() + d, q.bits(), q.signed());
        }

        /** The read shifts of both inputs, then the output into the write-shift range. */
        private void add(int i, String n, LayerQuant lq) {
            String p0 = network.producerOf(i, 0);
            String p1 = network.producerOf(i, 1);
            int e0 = layers.get(p0).output().exponent();
            int e1 = layers.get(p1).output().exponent();
            Integer readMax = limits.addReadShiftMax();
            if (readMax != null && Math.abs(e0 - e1) > readMax) {
                String finer = e0 > e1 ? p0 : p1;
                int to = Math.min(e0, e1) + readMax;
                setOutput(finer, to, "add_read_shift_max " + readMax + " at " + n);
                return;
            }
            int align = Math.min(e0, e1);
            TensorQuant in = lq.input().withExponents(new int[] {align});
            Integer wMin = limits.addWriteShiftMin();
            Integer wMax = limits.addWriteShiftMax();
            TensorQuant out = moveOutput(
                    n,
                    lq.output(),
                    wMax == null ? Integer.MIN_VALUE : align - wMax,
                    wMin == null ? Integer.MAX_VALUE : align - wMin,
                    "add write shift range " + range(wMin, wMax));
            put(n, new LayerQuant(null, null, in, out));
        }

        /** The window sum follows its producer's exponent. */
        private void pool(int i, Layer.AvgPool2d p, LayerQuant lq) {
            int e = layers.get(network.producerOf(i, 0)).output().exponent() + p.extraBits();
            put(p.name(), new LayerQuant(null, null, null, lq.output().withExponents(new int[] {e})));
        }

        /** Every input at the coarsest exponent of the group, the concatenation's own included. */
        private void concat(int i, String n, LayerQuant lq) {
            if (!Boolean.TRUE.equals(limits.alignConcat())) {
                return;
            }
            int inputs = network.nodes().get(i).inputs().size();
            int to = lq.output().exponent();
            for (int k = 0; k < inputs; k++) {
                to = Math.min(to, layers.get(network.producerOf(i, k)).output().exponent());
            }
            for (int k = 0; k < inputs; k++) {
                setOutput(network.producerOf(i, k), to, "align_concat at " + n);
            }
            TensorQuant out = lq.output().withExponents(new int[] {to});
            noteMove(n, lq.output(), out, "align_concat");
            put(n, new LayerQuant(null, null, out, out));
        }

        /** Moves a producer's output exponent (a layer, an add or a concatenation; a pool's sum cannot move). */
        private void setOutput(String producer, int exponent, String why) {
            LayerQuant lq = layers.get(producer);
            if (lq.output().exponent() == exponent) {
                return;
            }
            if (lq.weight() == null && lq.input() == null) {
                fail(
                        producer,
                        why.split(" ")[0],
                        "the exact window sum of an average pool cannot move to exponent " + exponent);
            }
            TensorQuant out = lq.output().withExponents(new int[] {exponent});
            noteMove(producer, lq.output(), out, why);
            boolean concat =
                    lq.weight() == null && lq.input() != null && lq.input().equals(lq.output());
            put(producer, new LayerQuant(lq.weight(), lq.bias(), concat ? out : lq.input(), out));
        }

        private TensorQuant moveOutput(String n, TensorQuant out, int lo, int hi, String why) {
            int o = Math.max(lo, Math.min(hi, out.exponent()));
            if (o == out.exponent()) {
                return out;
            }
            TensorQuant moved = out.withExponents(new int[] {o});
            noteMove(n, "output", out, moved, why);
            return moved;
        }

        private void noteMove(String n, TensorQuant from, TensorQuant to, String why) {
            noteMove(n, "output", from, to, why);
        }

        private void noteMove(String n, String tensor, TensorQuant from, TensorQuant to, String why) {
            if (from.exponent() == to.exponent()) {
                return;
            }
            ActivationStats s = stats.get(n + "." + tensor);
            String cost = s == null
                    ? ""
                    : ", SQNR " + Hundredths.round(Pow2.sqnrDb(s.sample(), from.exponent(), from.bits(), from.signed()))
                            + " -> " + Hundredths.round(Pow2.sqnrDb(s.sample(), to.exponent(), to.bits(), to.signed()))
                            + " dB";
            notesOf(n).add(tensor + " exponent " + from.exponent() + " -> " + to.exponent() + ": " + why + cost);
        }
    }

    /**
     * Coarsens weight exponents (per channel when per-channel, else the tensor's) until every channel's
     * {@code sum |w_code| * xMax + |b_code|} fits the accumulator; the bias, when given, sits at w + inputExponent.
     */
    private TensorQuant fitAccumulator(
            String layer,
            HeapTensor w,
            TensorQuant original,
            TensorQuant chosen,
            long xMax,
            float[] bias,
            int inputExponent,
            List<String> notes) {
        long accMax = limits.accumulatorMax();
        if (limits.accumulatorBits() == null) {
            return chosen;
        }
        int[] e = exponents(chosen);
        int channels = w.channels();
        for (int c = 0; c < channels; c++) {
            int k = chosen.isPerChannel() ? c : 0;
            while (worst(w.channel(c), e[k], chosen, xMax, bias, c, inputExponent) > accMax) {
                if (e[k] <= -Pow2.MAX_EXPONENT) {
                    fail(
                            layer,
                            "accumulator_bits",
                            "no weight exponent keeps channel " + c + "'s worst-case" + " accumulator within "
                                    + accMax);
                }
                e[k]--;
            }
        }
        note(
                notes,
                original,
                e,
                w,
                "accumulator_bits " + limits.accumulatorBits() + " (sum |w_code| * " + xMax + " + |b_code| <= " + accMax
                        + ")");
        return chosen.withExponents(e);
    }

    private double worst(float[] w, int e, TensorQuant q, long xMax, float[] bias, int c, int inputExponent) {
        long sum = 0;
        for (float v : w) {
            sum += Math.abs(Pow2.code(v, e, q.bits(), true));
        }
        long b = bias == null
                ? 0
                : Math.abs(Pow2.code(bias[c], e + inputExponent, spec.bias().bitwidth(), true));
        return (double) sum * xMax + b;
    }

    /** The bias at w + i after the weight exponents moved. */
    private static TensorQuant biasAt(TensorQuant bias, TensorQuant w, TensorQuant in) {
        int channels = w.isPerChannel() ? w.channelExponents().length : 1;
        int[] e = new int[channels];
        for (int c = 0; c < channels; c++) {
            e[c] = w.exponentOf(c) + in.exponent();
        }
        return bias.withExponents(e);
    }

    /** Largest |code| an input quantizer yields. */
    private static long inputCode(TensorQuant in) {
        return Math.max(Math.abs(in.qmin()), Math.abs(in.qmax()));
    }

    /** Largest |code| any layer input may yield before calibration says whether it is signed. */
    private long worstInputCode() {
        int b = spec.input().bitwidth();
        return spec.input().symmetric() ? 1L << (b - 1) : Pow2.qmax(b, false);
    }

    private static int[] exponents(TensorQuant q) {
        return q.isPerChannel() ? q.channelExponents().clone() : new int[] {q.exponent()};
    }

    /** One line when a limit moved weight exponents: which, and the SQNR before and after. */
    private static void note(List<String> notes, TensorQuant from, int[] to, HeapTensor w, String why) {
        int[] before = exponents(from);
        if (Arrays.equals(before, to)) {
            return;
        }
        TensorQuant after = from.withExponents(to);
        notes.add("weight exponent " + describe(before) + " -> " + describe(to) + ": " + why + ", SQNR "
                + Hundredths.round(from.sqnrDb(w.data())) + " -> "
                + Hundredths.round(after.sqnrDb(w.data())) + " dB");
    }

    private static String describe(int[] e) {
        return e.length == 1 ? String.valueOf(e[0]) : Arrays.toString(e);
    }

    private static String range(Integer min, Integer max) {
        return TargetLimits.range(min, max);
    }

    private void fail(String layer, String limit, String why) {
        throw new TargetInfeasibleException(profile, layer, limit, why);
    }
}
