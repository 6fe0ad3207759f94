package io.shiftq.engine.deploy.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.engine.deploy.ops.IntegerModel.BiasCodes;
import io.shiftq.engine.deploy.ops.IntegerModel.Geometry;
import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import io.shiftq.engine.deploy.ops.IntegerModel.WeightCodes;
import io.shiftq.engine.io.Npz;
import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.Shapes;
import io.shiftq.engine.quant.LayerQuant;
import io.shiftq.engine.quant.TensorQuant;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A convolution ({@link Kind#CONV}) or fully connected layer ({@link Kind#LINEAR}): integer weights, a {@code long}
 * accumulator with the bias at exponent w + i, an optional ReLU on it, requantization by {@code shiftCut}.
 *
 * @param name layer name
 * @param kind convolution or linear
 * @param inputs the one input
 * @param geometry channels, kernel, stride, padding
 * @param weights weight codes and exponents
 * @param biases bias codes and exponents, or null for a layer without bias
 * @param input the input quantizer
 * @param inputAlignShift i - o_prev (left shift when positive), or null when the layer reads
 *     the float network input and quantizes it itself
 * @param output output quantizer (after the fused ReLU)
 * @param shiftCut w_c + i - o per output channel: the accumulator's right shift
 * @param fusedRelu whether a ReLU is applied to the accumulator before requantization
 */
public record Weighted(
        String name,
        Kind kind,
        List<Integer> inputs,
        Geometry geometry,
        WeightCodes weights,
        BiasCodes biases,
        Quantizer input,
        Integer inputAlignShift,
        Quantizer output,
        int[] shiftCut,
        boolean fusedRelu)
        implements Op {

    /** What the layer computes, with its model.json name. */
    public enum Kind {
        /** A 2-d convolution (grouped when {@link Geometry#groups()} > 1). */
        CONV("conv"),
        /** A fully connected layer. */
        LINEAR("linear");

        private final String type;

        Kind(String type) {
            this.type = type;
        }

        /** The model.json name. */
        public String type() {
            return type;
        }
    }

    private static final long INT32_LIMIT = Integer.MAX_VALUE;

    @Override
    public String type() {
        return kind.type();
    }

    /** Whether this is a convolution. */
    public boolean isConv() {
        return kind == Kind.CONV;
    }

    /** The weight tensor's shape, PyTorch layout: [out, in / groups, k, k] or [out, in]. */
    public long[] weightShape() {
        return isConv()
                ? new long[] {geometry.outChannels(), geometry.inPerGroup(), geometry.kernel(), geometry.kernel()}
                : new long[] {geometry.outChannels(), geometry.inChannels()};
    }

    // ---- building ----

    static Op conv(LayerBuild b) {
        Layer.Conv2d c = (Layer.Conv2d) b.layer();
        return build(
                b,
                Kind.CONV,
                new Geometry(c.inChannels(), c.outChannels(), c.kernel(), c.stride(), c.padding(), c.groups()));
    }

    static Op linear(LayerBuild b) {
        Layer.Linear l = (Layer.Linear) b.layer();
        return build(b, Kind.LINEAR, Geometry.linear(l.inFeatures(), l.outFeatures()));
    }

    /** Weight codes as the fake quantizer computes them (float32 arithmetic, half up), biases at w + i, shifts. */
    private static Weighted build(LayerBuild b, Kind kind, Geometry geometry) {
        String n = b.name();
        LayerQuant lq = b.quant();
        if (lq == null || lq.weight() == null || lq.input() == null || lq.output() == null) {
            throw new IllegalArgumentException(n + ": the plan has no weight, input or output quantizer;"
                    + " the integer model needs the final_ptq stage's full plan");
        }
        Quantizer input = Quantizer.of(lq.input());
        Quantizer output = Quantizer.of(lq.output());
        Integer align = null;
        if (b.inputs().get(0) != IntegerModel.INPUT) {
            if (b.value(0) == null) {
                throw new IllegalArgumentException(n + " reads a float tensor that is not the network input");
            }
            align = input.exponent() - b.value(0).exponent();
        }
        HeapTensor w = b.weights().get(n + ".weight");
        int outC = (int) w.shape()[0];
        TensorQuant wq = lq.weight();
        int[] wExp = wq.isPerChannel() ? wq.channelExponents().clone() : new int[] {wq.exponent()};
        int per = w.size() / outC;
        int[] wCodes = new int[w.size()];
        for (int k = 0; k < wCodes.length; k++) {
            wCodes[k] = (int) IntegerModel.fakeQuantCode(w.data()[k], wq.exponentOf(k / per), wq.bits(), wq.signed());
        }
        int[] cut = new int[outC];
        for (int c = 0; c < outC; c++) {
            cut[c] = wq.exponentOf(c) + input.exponent() - output.exponent();
        }
        return new Weighted(
                n,
                kind,
                b.inputs(),
                geometry,
                new WeightCodes(wCodes, wq.bits(), wExp),
                biases(b, wq, input),
                input,
                align,
                output,
                cut,
                b.fusedRelu());
    }

    private static BiasCodes biases(LayerBuild b, TensorQuant wq, Quantizer input) {
        String n = b.name();
        if (!b.weights().has(n + ".bias")) {
            return null;
        }
        TensorQuant bq = b.quant().bias();
        if (bq == null) {
            throw new IllegalArgumentException(n + ": the plan leaves the bias in float");
        }
        int[] bExp = bq.isPerChannel() ? bq.channelExponents().clone() : new int[] {bq.exponent()};
        float[] bias = b.weights().get(n + ".bias").data();
        long[] codes = new long[bias.length];
        for (int c = 0; c < bias.length; c++) {
            int e = bq.exponentOf(c);
            if (e != wq.exponentOf(c) + input.exponent()) {
                throw new IllegalArgumentException(n + ": bias exponent " + e + " of channel " + c
                        + " is not weight + input = " + (wq.exponentOf(c) + input.exponent()));
            }
            codes[c] = IntegerModel.fakeQuantCode(bias[c], e, bq.bits(), bq.signed());
        }
        return new BiasCodes(codes, bq.bits(), bExp);
    }

    static Op read(Kind kind, JsonNode o, String name, List<Integer> inputs, Map<String, Npz.Array> arrays)
            throws IOException {
        boolean conv = kind == Kind.CONV;
        JsonNode wt = o.get("weight");
        int[] weight = toInts(OpJson.array(arrays, wt.get("array").asText()).longs());
        BiasCodes biases = null;
        JsonNode b = o.get("bias");
        if (b != null && !b.isNull()) {
            biases = new BiasCodes(
                    OpJson.array(arrays, b.get("array").asText()).longs(),
                    b.get("bits").asInt(),
                    OpJson.ints(b.get("exponents")));
        }
        JsonNode align = o.get("input_align_shift");
        Geometry geometry = new Geometry(
                o.get("in_channels").asInt(),
                o.get("out_channels").asInt(),
                conv ? o.get("kernel").asInt() : 1,
                conv ? o.get("stride").asInt() : 1,
                conv ? o.get("padding").asInt() : 0,
                conv ? o.path("groups").asInt(1) : 1);
        return new Weighted(
                name,
                kind,
                inputs,
                geometry,
                new WeightCodes(weight, wt.get("bits").asInt(), OpJson.ints(wt.get("exponents"))),
                biases,
                OpJson.quantizer(o.get("input")),
                align == null || align.isNull() ? null : align.asInt(),
                OpJson.quantizer(o.get("output")),
                OpJson.ints(o.get("shift_cut")),
                o.get("fused_relu").asBoolean());
    }

    private static int[] toInts(long[] v) {
        int[] l = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            l[i] = Math.toIntExact(v[i]);
        }
        return l;
    }

    // ---- shape and values ----

    @Override
    public int[] outputShape(List<int[]> in) {
        if (!isConv()) {
            return new int[] {geometry.outChannels()};
        }
        return Shapes.conv(in.get(0), geometry.outChannels(), geometry.kernel(), geometry.stride(), geometry.padding());
    }

    @Override
    public Quantizer valueQuantizer(Quantizer in) {
        return output;
    }

    @Override
    public Optional<Quantizer> networkInputQuantizer() {
        return Optional.of(input);
    }

    // ---- scalar kernel ----

    @Override
    public long[] run(ScalarRun r) {
        long[] x = inputs.get(0) == IntegerModel.INPUT
                ? r.networkInput(input)
                : Codes.align(r.input(0), inputAlignShift, input, r.rounding());
        return isConv() ? conv(x, r.inShape(0), r.outShape(), r.rounding()) : linear(x, r.rounding());
    }

    private long[] conv(long[] x, int[] in, int[] outShape, RoundingMode rounding) {
        int h = in[1];
        int wd = in[2];
        int outC = outShape[0];
        int oh = outShape[1];
        int ow = outShape[2];
        int k = geometry.kernel();
        int s = geometry.stride();
        int p = geometry.padding();
        int[] wt = weights.codes();
        long[] out = new long[outC * oh * ow];
        long[] acc = new long[oh * ow];
        // Accumulate plane by plane: one weight times a contiguous run of input pixels, so the
        // inner loop has no branches and the JIT can vectorize it.
        int inPer = geometry.inPerGroup();
        int outPer = outC / geometry.groups();
        for (int oc = 0; oc < outC; oc++) {
            Arrays.fill(acc, biases == null ? 0 : biases.codes()[oc]);
            int firstIn = (oc / outPer) * inPer;
            for (int ic = 0; ic < inPer; ic++) {
                int wBase = ((oc * inPer) + ic) * k * k;
                int xBase = (firstIn + ic) * h * wd;
                for (int ky = 0; ky < k; ky++) {
                    for (int kx = 0; kx < k; kx++) {
                        long wv = wt[wBase + ky * k + kx];
                        if (wv != 0) {
                            accumulate(acc, x, wv, xBase, ky, kx, h, wd, oh, ow, s, p);
                        }
                    }
                }
            }
            int cut = shiftCut[oc];
            for (int i = 0; i < acc.length; i++) {
                out[oc * oh * ow + i] = Codes.requantize(acc[i], cut, fusedRelu, output, rounding);
            }
        }
        return out;
    }

    private static void accumulate(
            long[] acc, long[] x, long wv, int xBase, int ky, int kx, int h, int wd, int oh, int ow, int s, int p) {
        int oxFrom = Math.max(0, -Math.floorDiv(-(p - kx), s));
        int oxTo = Math.min(ow - 1, Math.floorDiv(wd - 1 + p - kx, s));
        for (int oy = 0; oy < oh; oy++) {
            int iy = oy * s - p + ky;
            if (iy < 0 || iy >= h) {
                continue;
            }
            int row = xBase + iy * wd - p + kx;
            int accRow = oy * ow;
            for (int ox = oxFrom; ox <= oxTo; ox++) {
                acc[accRow + ox] += wv * x[row + ox * s];
            }
        }
    }

    private long[] linear(long[] x, RoundingMode rounding) {
        int in = geometry.inChannels();
        int[] wt = weights.codes();
        long[] out = new long[geometry.outChannels()];
        for (int o = 0; o < out.length; o++) {
            long acc = biases == null ? 0 : biases.codes()[o];
            int base = o * in;
            for (int i = 0; i < in; i++) {
                acc += (long) wt[base + i] * x[i];
            }
            out[o] = Codes.requantize(acc, shiftCut[o], fusedRelu, output, rounding);
        }
        return out;
    }

    // ---- batched kernel ----

    @Override
    public double tensorBound(TensorBounds b) {
        double bound = accumulatorBound(b);
        if (inputAlignShift != null) {
            bound = Math.max(bound, b.shiftBound(b.inAbs(), -inputAlignShift));
        }
        b.range(output, fusedRelu);
        return bound;
    }

    /** max over output channels of sum |w| * max|x| + |b| + rounding offset, the accumulator's bound. */
    private double accumulatorBound(TensorBounds b) {
        int outC = geometry.outChannels();
        int[] codes = weights.codes();
        int per = codes.length / outC;
        double worst = 0;
        for (int oc = 0; oc < outC; oc++) {
            double s = 0;
            for (int k = oc * per; k < (oc + 1) * per; k++) {
                s += Math.abs(codes[k]);
            }
            double bias = biases == null ? 0 : Math.abs((double) biases.codes()[oc]);
            worst = Math.max(worst, s * TensorBounds.range(input) + bias + b.offset(shiftCut[oc]));
        }
        return worst;
    }

    /** w * 2^-s and (b + r) * 2^-s per output channel, r the rounding offset (see TensorExecutor). */
    @Override
    public List<NDArray> tensorConstants(TensorSetup s) {
        NDManager manager = s.manager();
        int[] codes = weights.codes();
        int outC = geometry.outChannels();
        int per = codes.length / outC;
        double[] w = new double[codes.length];
        for (int k = 0; k < w.length; k++) {
            w[k] = Math.scalb((double) codes[k], -shiftCut[k / per]);
        }
        double[] b = new double[outC];
        for (int c = 0; c < b.length; c++) {
            int cut = shiftCut[c];
            double bias = biases == null ? 0 : biases.codes()[c];
            b[c] = Math.scalb(bias + s.offset(cut), -cut);
        }
        return List.of(
                manager.create(w, new Shape(weightShape())).toType(s.type(), false),
                manager.create(b, new Shape(b.length)).toType(s.type(), false));
    }

    /**
     * One libtorch call with the shift folded into weights and bias, then floor and the clip to the output range
     * (its lower end 0 under a fused ReLU).
     */
    @Override
    public NDArray forward(TensorRun t) {
        NDArray x = t.input(0);
        NDArray in = inputAlignShift == null ? x : t.shift(x, 0, -inputAlignShift, input);
        NDArray acc;
        if (isConv()) {
            int s = geometry.stride();
            int p = geometry.padding();
            acc = Conv2d.conv2d(
                            in,
                            t.constant(0),
                            t.constant(1),
                            new Shape(s, s),
                            new Shape(p, p),
                            new Shape(1, 1),
                            geometry.groups())
                    .singletonOrThrow();
        } else {
            NDArray flat = in.reshape(in.getShape().get(0), -1);
            acc = Linear.linear(flat, t.constant(0), t.constant(1)).singletonOrThrow();
        }
        return acc.floor().clip(t.lo(), t.hi());
    }

    // ---- C ----

    @Override
    public void header(CHeaderOut h) {
        String p = h.macro();
        StringBuilder c = new StringBuilder("/* ")
                .append(name)
                .append(": ")
                .append(type())
                .append(' ')
                .append(geometry.inChannels())
                .append(" -> ")
                .append(geometry.outChannels());
        if (isConv()) {
            c.append(", kernel ")
                    .append(geometry.kernel())
                    .append(", stride ")
                    .append(geometry.stride())
                    .append(", padding ")
                    .append(geometry.padding());
            if (geometry.groups() > 1) {
                c.append(", groups ").append(geometry.groups());
            }
        }
        h.text(c.append(fusedRelu ? ", fused ReLU" : "").append(" */\n").toString());
        h.define(p + "_WEIGHT_BITS", weights.bits());
        if (biases != null) {
            h.define(p + "_BIAS_BITS", biases.bits());
        }
        h.quantizer(p + "_INPUT", input);
        h.quantizer(p + "_OUTPUT", output);
        if (inputAlignShift != null) {
            h.define(p + "_INPUT_ALIGN_SHIFT", inputAlignShift);
        }
        if (Arrays.stream(shiftCut).distinct().count() == 1) {
            h.define(p + "_SHIFT_CUT", shiftCut[0]);
        }
        if (weights.exponents().length == 1) {
            h.define(p + "_WEIGHT_EXPONENT", weights.exponents()[0]);
        }
        h.define(p + "_FUSED_RELU", fusedRelu ? 1 : 0);
        h.define(p + "_GROUPS", geometry.groups());
        h.array(CTypes.signed(weights.bits()), h.id() + "_weight", Codes.toLongs(weights.codes()));
        if (biases != null) {
            h.array(CTypes.signed(biases.bits()), h.id() + "_bias", biases.codes());
            h.array("int32_t", h.id() + "_bias_exponent", Codes.toLongs(biases.exponents()));
        }
        h.array("int32_t", h.id() + "_weight_exponent", Codes.toLongs(weights.exponents()));
        h.array("int32_t", h.id() + "_shift_cut", Codes.toLongs(shiftCut));
        if (h.accumulatorBits() > 0) {
            h.text("/* worst case |acc| = max_c (|bias[c]| + sum |w| * max|x|): no partial sum exceeds it */\n");
            h.define(p + "_ACCUMULATOR_BOUND", accumulatorBound());
        }
        h.text("\n");
    }

    @Override
    public void source(CSourceOut c) {
        CLayer l = new CLayer(
                c.id(),
                c.macro(),
                c.inType(0),
                c.codeType(input),
                c.codeType(output),
                accumulatorType(c.accumulatorBits()),
                c.inShape(0),
                c.outShape(),
                biases != null,
                inputAlignShift != null);
        c.function(fusedRelu ? ", fused ReLU" : "", isConv() ? convText(l) : linearText(l), c.buffer(0));
    }

    /**
     * Whether the accumulator stays inside int32 for any input codes: |bias| + sum |w| * max|x| per output
     * channel, with x in the layer's input quantizer.
     */
    public boolean accumulatorFits32() {
        return accumulatorBound() <= INT32_LIMIT;
    }

    /**
     * The largest {@code |bias| + sum |w| * max|x|} over output channels, x in the layer's input quantizer: no
     * partial sum of any channel, in any order, exceeds it (saturates at Long.MAX_VALUE).
     */
    public long accumulatorBound() {
        int[] codes = weights.codes();
        int out = geometry.outChannels();
        int per = codes.length / out;
        long xMax = Math.max(Math.abs(input.qmin()), Math.abs(input.qmax()));
        long worst = 0;
        for (int oc = 0; oc < out; oc++) {
            long bound = biases == null ? 0 : Math.abs(biases.codes()[oc]);
            for (int k = oc * per; k < (oc + 1) * per; k++) {
                long term = Math.abs((long) codes[k]) * xMax;
                bound = bound > Long.MAX_VALUE - term ? Long.MAX_VALUE : bound + term;
            }
            worst = Math.max(worst, bound);
        }
        return worst;
    }

    /**
     * int16_t when the model's target accumulator is at most 16 bits and the bound fits it, else int32_t where the
     * bound fits, else int64_t; the target's width is then what the hardware's accumulator is, proven by the bound.
     */
    private String accumulatorType(int targetBits) {
        long bound = accumulatorBound();
        if (targetBits > 0 && targetBits <= 16 && bound <= Short.MAX_VALUE) {
            return "int16_t";
        }
        return bound <= INT32_LIMIT ? "int32_t" : "int64_t";
    }

    /**
     * What the conv and linear templates need.
     *
     * @param id C identifier of the layer
     * @param macro macro prefix of the layer
     * @param source element type of the buffer read
     * @param input element type of the input once moved to the layer's input quantizer
     * @param output element type of the output codes
     * @param acc accumulator type
     * @param inShape shape read
     * @param outShape shape written
     * @param bias whether the layer has a bias
     * @param align whether the input needs moving to the layer's input quantizer (false for the network input)
     */
    private record CLayer(
            String id,
            String macro,
            String source,
            String input,
            String output,
            String acc,
            int[] inShape,
            int[] outShape,
            boolean bias,
            boolean align) {
        /** The expression moving code v to the layer's input quantizer (as the scalar kernel's align). */
        String aligned(String v) {
            return align
                    ? "(%s) shiftq_align(%s, %s_INPUT_ALIGN_SHIFT, %s_INPUT_QMIN, %s_INPUT_QMAX)"
                            .formatted(input, v, macro, macro, macro)
                    : v;
        }

        String requantized(String acc, String channel) {
            return "(%s) shiftq_requantize(%s, %s_shift_cut[%s], %s_FUSED_RELU, %s_OUTPUT_QMIN, %s_OUTPUT_QMAX)"
                    .formatted(output, acc, id, channel, macro, macro, macro);
        }

        String biasOf(String channel) {
            return bias ? "(%s) %s_bias[%s]".formatted(acc, id, channel) : "0";
        }

        String signature() {
            return "static void op_%s(const %s x[%d], %s y[%d])\n"
                    .formatted(id, source, Shapes.size(inShape), output, Shapes.size(outShape));
        }
    }

    /** 32-bit lanes of a 16-byte vector (SSE2, NEON): the accumulator rows' width is a multiple of it. */
    private static final int LANES = 4;

    private static final String CONV_FILL = """
                /*
                 * The input at $macro_INPUT, zero-padded (static storage starts zeroed and the border is never
                 * written), held in the accumulator's type so the multiply-add needs no widening.
                 */
                static $acc xp[$channels][$paddedHeight][$paddedWidth];
                static $acc acc[$outHeight][$rowWidth];
                for (int c = 0; c < $channels; c++) {
                    for (int i = 0; i < $height; i++) {
                        for (int j = 0; j < $width; j++) {
                            xp[c][i + $padding][j + $padding] = $input;
                        }
                    }
                }
            """;

    private static final String CONV_LOOP = """
                for (int oc = 0; oc < $outChannels; oc++) {
                    /* Output channel oc reads the input channels of its group ($macro_GROUPS groups). */
                    const int first = (oc / $outPerGroup) * $inPerGroup;
                    for (int i = 0; i < $outHeight; i++) {
                        for (int j = 0; j < $rowWidth; j++) {
                            acc[i][j] = $bias;
                        }
                    }
                    for (int ic = 0; ic < $inPerGroup; ic++) {
                        for (int ky = 0; ky < $kernel; ky++) {
                            for (int kx = 0; kx < $kernel; kx++) {
                                const $acc wv = $id_weight[((oc * $inPerGroup + ic) * $kernel + ky) * $kernel + kx];
                                for (int i = 0; i < $outHeight; i++) {
                                    const $acc *row = &xp[first + ic][i * $stride + ky][kx];
                                    $acc *a = acc[i];
                                    for (int j = 0; j < $rowWidth; j++) {
                                        a[j] += wv * row[j * $stride];
                                    }
                                }
                            }
                        }
                    }
                    for (int i = 0; i < $outHeight; i++) {
                        for (int j = 0; j < $outWidth; j++) {
                            y[(oc * $outHeight + i) * $outWidth + j] = $output;
                        }
                    }
                }
            """;

    private static final String LINEAR = """
            {
                static $input xa[$in];
                for (int k = 0; k < $in; k++) {
                    xa[k] = $aligned;
                }
                for (int o = 0; o < $out; o++) {
                    $acc acc = $bias;
                    for (int k = 0; k < $in; k++) {
                        acc += ($acc) $id_weight[o * $in + k] * xa[k];
                    }
                    y[o] = $output;
                }
            }
            """;

    /**
     * A convolution: the input moved to the layer's input quantizer into a zero-padded buffer, then per output channel
     * a plane of accumulators, one weight at a time over the whole plane (constant bounds, no branch inside).
     */
    private String convText(CLayer l) {
        int h = l.inShape()[1];
        int w = l.inShape()[2];
        int p = geometry.padding();
        int k = geometry.kernel();
        int s = geometry.stride();
        int ow = l.outShape()[2];
        // Accumulator rows rounded up to a multiple of 4 lanes: gcc -O2 vectorizes only loops that need no
        // remainder; the extra columns read zero padding and are never written out.
        int rowWidth = (ow + LANES - 1) / LANES * LANES;
        String fill = CTemplate.fill(
                CONV_FILL,
                Map.ofEntries(
                        Map.entry("macro", l.macro()),
                        Map.entry("acc", l.acc()),
                        Map.entry("channels", l.inShape()[0]),
                        Map.entry("paddedHeight", h + 2 * p),
                        Map.entry("paddedWidth", Math.max(w + 2 * p, (rowWidth - 1) * s + k)),
                        Map.entry("outHeight", l.outShape()[1]),
                        Map.entry("rowWidth", rowWidth),
                        Map.entry("height", h),
                        Map.entry("width", w),
                        Map.entry("padding", p),
                        Map.entry("input", l.aligned("x[(c * %d + i) * %d + j]".formatted(h, w)))));
        String loop = CTemplate.fill(
                CONV_LOOP,
                Map.ofEntries(
                        Map.entry("outChannels", geometry.outChannels()),
                        Map.entry("macro", l.macro()),
                        Map.entry("outPerGroup", geometry.outChannels() / geometry.groups()),
                        Map.entry("inPerGroup", geometry.inPerGroup()),
                        Map.entry("outHeight", l.outShape()[1]),
                        Map.entry("outWidth", ow),
                        Map.entry("bias", l.biasOf("oc")),
                        Map.entry("kernel", k),
                        Map.entry("acc", l.acc()),
                        Map.entry("id", l.id()),
                        Map.entry("stride", s),
                        Map.entry("output", l.requantized("acc[i][j]", "oc")),
                        Map.entry("rowWidth", rowWidth)));
        return l.signature() + "{\n" + fill + loop + "}\n";
    }

    /** A fully connected layer: the input moved to the layer's input quantizer, then one dot product per output. */
    private static String linearText(CLayer l) {
        return l.signature()
                + CTemplate.fill(
                        LINEAR,
                        Map.of(
                                "input", l.input(),
                                "in", Shapes.size(l.inShape()),
                                "aligned", l.aligned("x[k]"),
                                "out", Shapes.size(l.outShape()),
                                "acc", l.acc(),
                                "bias", l.biasOf("o"),
                                "id", l.id(),
                                "output", l.requantized("acc", "o")));
    }

    // ---- exports ----

    @Override
    public String qdq(QdqOut g) {
        String n = name;
        String x = g.qdq(g.input(0), input, n + ".input");
        String weight = g.dequantized(
                n + ".weight", weightShape(), Codes.toLongs(weights.codes()), weights.bits() <= 8, weights.exponents());
        List<String> in = new java.util.ArrayList<>(List.of(x, weight));
        if (biases != null) {
            if (biases.bits() > 32) {
                throw new IllegalArgumentException(
                        n + ".bias: ONNX DequantizeLinear takes at most int32 codes, bias has " + biases.bits()
                                + " bits");
            }
            in.add(g.dequantized(
                    n + ".bias", new long[] {geometry.outChannels()}, biases.codes(), false, biases.exponents()));
        }
        String acc = n + ".acc";
        if (isConv()) {
            int p = geometry.padding();
            g.node(
                    "Conv",
                    in,
                    acc,
                    n,
                    g.attrInts("kernel_shape", geometry.kernel(), geometry.kernel()),
                    g.attrInts("strides", geometry.stride(), geometry.stride()),
                    g.attrInts("pads", p, p, p, p),
                    g.attrInt("group", geometry.groups()));
        } else {
            g.node("Gemm", in, acc, n, g.attrInt("transB", 1));
        }
        if (fusedRelu) {
            g.node("Relu", List.of(acc), n + ".relu", n + ".relu");
            acc = n + ".relu";
        }
        return g.qdq(acc, output, n + ".output");
    }

    @Override
    public void aimet(AimetOut a) {
        a.activation(name + ".input", input);
        a.activation(name + ".output", output);
        if (inputAlignShift == null) {
            a.module(name, "input", input);
        }
        a.module(a.outputModule(fusedRelu), "output", output);
        a.param(name + ".weight", weights.bits(), weights.exponents());
        if (biases != null) {
            a.param(name + ".bias", biases.bits(), biases.exponents());
        }
    }

    @Override
    public void describe(ObjectNode o) {
        o.put("in_channels", geometry.inChannels());
        o.put("out_channels", geometry.outChannels());
        if (isConv()) {
            o.put("kernel", geometry.kernel());
            o.put("stride", geometry.stride());
            o.put("padding", geometry.padding());
            o.put("groups", geometry.groups());
        }
        ObjectNode wt = o.putObject("weight");
        wt.put("array", name + ".weight");
        wt.put("bits", weights.bits());
        wt.put("signed", true);
        wt.set("exponents", OpJson.arr(weights.exponents()));
        wt.put("checksum", Arrays.hashCode(weights.codes()));
        if (biases != null) {
            ObjectNode b = o.putObject("bias");
            b.put("array", name + ".bias");
            b.put("bits", biases.bits());
            b.put("signed", true);
            b.set("exponents", OpJson.arr(biases.exponents()));
            b.put("checksum", Arrays.hashCode(biases.codes()));
        } else {
            o.putNull("bias");
        }
        o.set("input", OpJson.quantizer(input));
        if (inputAlignShift == null) {
            o.putNull("input_align_shift");
        } else {
            o.put("input_align_shift", inputAlignShift);
        }
        o.set("output", OpJson.quantizer(output));
        o.set("shift_cut", OpJson.arr(shiftCut));
        o.put("fused_relu", fusedRelu);
    }

    @Override
    public void arrays(Map<String, Npz.Array> out) {
        String n = name;
        out.put(
                n + ".weight",
                Npz.Array.ofLongs(OpJson.intDtype(weights.bits()), weightShape(), Codes.toLongs(weights.codes())));
        if (biases != null) {
            out.put(
                    n + ".bias",
                    Npz.Array.ofLongs(
                            OpJson.intDtype(biases.bits()), new long[] {geometry.outChannels()}, biases.codes()));
        }
        out.put(n + ".weight_exponent", OpJson.vector(weights.exponents()));
        if (biases != null) {
            out.put(n + ".bias_exponent", OpJson.vector(biases.exponents()));
        }
        out.put(n + ".input_exponent", OpJson.scalar(input.exponent()));
        out.put(n + ".output_exponent", OpJson.scalar(output.exponent()));
        out.put(n + ".shift_cut", OpJson.vector(shiftCut));
        if (inputAlignShift != null) {
            out.put(n + ".input_align_shift", OpJson.scalar(inputAlignShift));
        }
    }
}
