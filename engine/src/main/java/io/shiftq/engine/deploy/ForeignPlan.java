package io.shiftq.engine.deploy;

import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.quant.ExponentRule;
import io.shiftq.engine.quant.LayerQuant;
import io.shiftq.engine.quant.QuantPlan;
import io.shiftq.engine.quant.TensorQuant;
import io.shiftq.schema.report.ShiftRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The engine's plan for a network another tool quantized with one quantizer per tensor (AIMET's model: a quantizer on
 * the model input, one on the output of each module that has one, and each weight's and bias's own), so the integer
 * model, its files and the integer executor can be made from that tool's exponents.
 *
 * <p>Each node's value is in the quantizer its module carries, or, for a module without one (max pooling, flatten,
 * dropout, an unfused ReLU), in its producer's. A convolution or linear layer reads its producer's value (so
 * {@code input_align_shift} is 0) and writes the quantizer after its fused ReLU; a residual add aligns both inputs to
 * the finer of their exponents (left shifts, exact, as the tool's float add is) in the 32-bit accumulator; an average
 * pool keeps the engine's exact window sum, which the consumer requantizes to the tool's pool quantizer. Where the
 * tool computes something the integer model cannot (two quantizers in a row, a requantization after an op the integer
 * path leaves in its input's codes, a mean rounded once where the integer path divides and rounds twice), the layer
 * gets a note saying so.
 */
public final class ForeignPlan {
    /** Float layers with their own rule, by class (a map, not instanceof, as the operators are dispatched). */
    private static final Map<Class<? extends Layer>, BiConsumer<Build, Integer>> BY_KIND =
            Map.of(Layer.Add.class, Build::add, Layer.Concat.class, Build::concat);

    private ForeignPlan() {}

    /**
     * The plan, and per layer what the integer model does differently from the tool.
     *
     * @param plan the engine's full (step 3) plan
     * @param notes by layer name, each way in which the integer path cannot equal the tool's simulation
     */
    public record Result(QuantPlan plan, Map<String, List<String>> notes) {}

    /**
     * The quantizers of the tool, by the names the engine gives the folded network's layers.
     *
     * @param input the quantizer of the model input
     * @param values the output quantizer of each module that has one, by module (layer) name
     * @param params the quantizer of each weight and bias, by parameter name ({@code features.0.weight})
     */
    public record Quantizers(TensorQuant input, Map<String, TensorQuant> values, Map<String, TensorQuant> params) {}

    /**
     * Builds the plan over the folded network.
     *
     * @throws IllegalArgumentException naming the layer when the tool left in float a tensor the integer path needs in
     *     codes, or a weight has no quantizer
     */
    public static Result of(Network folded, Quantizers q) {
        Build b = new Build(folded, q);
        for (int i = 0; i < folded.nodes().size(); i++) {
            b.node(i);
        }
        return new Result(new QuantPlan(b.plan), b.notes);
    }

    /** The walk over the nodes: each node's value quantizer, the plan and the notes so far. */
    private static final class Build {
        private final Network net;
        private final Quantizers q;
        private final TensorQuant[] value;
        private final Map<String, LayerQuant> plan = new LinkedHashMap<>();
        private final Map<String, List<String>> notes = new LinkedHashMap<>();

        Build(Network net, Quantizers q) {
            this.net = net;
            this.q = q;
            this.value = new TensorQuant[net.nodes().size()];
        }

        private Layer layer(int i) {
            return net.nodes().get(i).layer();
        }

        private TensorQuant in(int i, int slot) {
            int j = net.nodes().get(i).inputs().get(slot);
            return j == Network.INPUT ? q.input() : value[j];
        }

        private void note(String layer, String text) {
            notes.computeIfAbsent(layer, k -> new ArrayList<>()).add(text);
        }

        void node(int i) {
            Layer l = layer(i);
            TensorQuant own = q.values().get(l.name());
            BiConsumer<Build, Integer> kind = BY_KIND.get(l.getClass());
            if (l.quantized()) {
                weighted(i, own);
            } else if (kind != null) {
                kind.accept(this, i);
            } else if (l.windowSumBits().isPresent()) {
                pool(i, l, own);
            } else if (l.pointwise().isPresent()) {
                plan.put(l.name(), new LayerQuant(null, null, in(i, 0), require(l.name(), own, "its output")));
                value[i] = own;
            } else {
                passThrough(i, l, own);
            }
        }

        /** A convolution or linear layer: its producer's value in, the quantizer after its fused ReLU out. */
        private void weighted(int i, TensorQuant own) {
            String n = layer(i).name();
            TensorQuant out = output(i, own);
            TensorQuant input = require(n, in(i, 0), "its input");
            TensorQuant w = require(n, q.params().get(n + ".weight"), "its weight");
            plan.put(n, new LayerQuant(w, q.params().get(n + ".bias"), input, out));
            value[i] = out;
        }

        /** A residual add: both inputs left-shifted to the finer exponent in the accumulator, as a float add is exact. */
        private void add(int i) {
            String n = layer(i).name();
            int align = Math.max(
                    require(n, in(i, 0), "input 0").exponent(),
                    require(n, in(i, 1), "input 1").exponent());
            TensorQuant out = output(i, q.values().get(n));
            plan.put(
                    n,
                    new LayerQuant(
                            null,
                            null,
                            TensorQuant.perTensor(ShiftRecord.ACCUMULATOR_BITS, true, ExponentRule.MAX, align),
                            out));
            value[i] = out;
        }

        /** A concatenation: every input moved to its own output quantizer. */
        private void concat(int i) {
            String n = layer(i).name();
            TensorQuant out = require(n, q.values().get(n), "its output");
            plan.put(n, new LayerQuant(null, null, out, out));
            value[i] = out;
        }

        /** A layer's output: the quantizer after its fused ReLU, noting a second one on the layer itself. */
        private TensorQuant output(int i, TensorQuant own) {
            String n = layer(i).name();
            Optional<Integer> relu = net.fusedRelu(i);
            TensorQuant after = relu.map(j -> q.values().get(layer(j).name())).orElse(null);
            if (after == null) {
                return require(n, own, "its output");
            }
            if (own != null && !own.equals(after)) {
                note(
                        n,
                        "two quantizers in a row: " + own + " on the layer, then " + after + " after "
                                + layer(relu.get()).name()
                                + "; the integer path requantizes once, after the activation");
            }
            return after;
        }

        /**
         * Average pooling: the engine's exact window sum; the consumer requantizes it to the tool's quantizer of the
         * pool's output, which a window of 2^m values makes one rounding, as the tool's.
         */
        private void pool(int i, Layer l, TensorQuant own) {
            String n = l.name();
            TensorQuant input = require(n, in(i, 0), "its input");
            TensorQuant sum = TensorQuant.perTensor(
                    ShiftRecord.ACCUMULATOR_BITS,
                    true,
                    ExponentRule.MAX,
                    input.exponent() + l.windowSumBits().getAsInt());
            plan.put(n, new LayerQuant(null, null, null, sum));
            value[i] = own == null ? sum : own;
            if (!l.windowSumViolations().isEmpty() && own != null) {
                note(
                        n,
                        "the tool rounds the float mean once to " + own + "; the integer path divides the exact sum,"
                                + " rounding half up, and the consumer rounds again to " + own);
            }
        }

        /** Ops that move codes (pooling, flatten, dropout, an unfused activation) keep their input's quantizer. */
        private void passThrough(int i, Layer l, TensorQuant own) {
            TensorQuant input = in(i, 0);
            boolean fused = net.nodes().get(i).inputs().get(0) != Network.INPUT
                    && net.fusedRelu(net.nodes().get(i).inputs().get(0)).orElse(-1) == i
                    && plan.containsKey(
                            layer(net.nodes().get(i).inputs().get(0)).name());
            value[i] = input;
            if (!fused && own != null && !own.equals(input)) {
                note(
                        l.name(),
                        "the tool requantizes after this " + l.getClass().getSimpleName() + " from " + input + " to "
                                + own + "; the integer path keeps the input's codes");
            }
        }

        private static TensorQuant require(String layer, TensorQuant t, String what) {
            if (t == null) {
                throw new IllegalArgumentException(layer + ": the quantized model leaves " + what
                        + " in float; the integer path needs it in codes");
            }
            return t;
        }
    }
}
