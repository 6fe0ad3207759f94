package io.shiftq.engine.deploy.ops;

import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.quant.LayerQuant;
import io.shiftq.engine.quant.QuantPlan;
import java.util.List;

/** What an operator's builder reads about one node of the folded network while the integer model is made. */
public final class LayerBuild {
    private final Network folded;
    private final StateDict weights;
    private final QuantPlan plan;
    private final Quantizer[] values;
    private final int index;

    LayerBuild(Network folded, StateDict weights, QuantPlan plan, Quantizer[] values, int index) {
        this.folded = folded;
        this.weights = weights;
        this.plan = plan;
        this.values = values;
        this.index = index;
    }

    /** The layer. */
    public Layer layer() {
        return folded.nodes().get(index).layer();
    }

    /** Its name. */
    public String name() {
        return layer().name();
    }

    /** Indices of the nodes it reads. */
    public List<Integer> inputs() {
        return List.copyOf(folded.nodes().get(index).inputs());
    }

    /** The plan's quantizers of this layer, or null. */
    public LayerQuant quant() {
        return plan.get(name());
    }

    /** The folded weights. */
    public StateDict weights() {
        return weights;
    }

    /** The quantizer input k's codes are in (null for the float network input or a float tensor). */
    public Quantizer value(int k) {
        int j = inputs().get(k);
        return j == IntegerModel.INPUT ? null : values[j];
    }

    /** Whether a ReLU right after this layer is fused into it. */
    public boolean fusedRelu() {
        return folded.fusedRelu(index).isPresent();
    }

    /** For an activation: whether its producer already applied it (a quantized layer or add with it fused). */
    public boolean producerFusesRelu() {
        int j = inputs().get(0);
        Layer producer = folded.nodes().get(j).layer();
        // Only quantized layers and adds requantize after a ReLU.
        return producer.requantizesAccumulator() && folded.fusedRelu(j).isPresent();
    }

    /** For an op that only moves codes: fails unless it reads quantized codes, i.e. not the network input. */
    public void requireQuantizedInput() {
        if (inputs().get(0) == IntegerModel.INPUT) {
            throw new IllegalArgumentException(name() + ": the integer path needs a quantized layer first, not "
                    + layer().getClass().getSimpleName());
        }
    }

    /** Left shifts (negative: right) that bring each quantized input to {@code exponent}, for adds and concats. */
    public int[] alignShifts(int exponent) {
        List<Integer> in = inputs();
        int[] shifts = new int[in.size()];
        for (int s = 0; s < in.size(); s++) {
            int j = in.get(s);
            if (j == IntegerModel.INPUT || values[j] == null) {
                throw new IllegalArgumentException(
                        name() + " reads a float tensor; the integer path needs quantized inputs");
            }
            shifts[s] = exponent - values[j].exponent();
        }
        return shifts;
    }
}
