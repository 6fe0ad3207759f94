package io.shiftq.engine.deploy.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import io.shiftq.engine.io.Npz;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.Shapes;
import io.shiftq.engine.quant.LayerQuant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Average pooling (no padding, floor mode) as a window sum: out = S when the window is a power of two
 * (the exponent grows by log2(window), nothing is rounded); otherwise out = round_half_up(S * 2^extraBits /
 * window), a division, at exponent input + extraBits.
 *
 * @param name layer name
 * @param inputs the input
 * @param kernel window side
 * @param stride stride
 * @param extraBits ceil(log2(kernel^2)): output exponent minus input exponent
 * @param output the output quantizer (32-bit, signed)
 */
public record AvgPool(String name, List<Integer> inputs, int kernel, int stride, int extraBits, Quantizer output)
        implements Op {
    @Override
    public String type() {
        return "avgpool";
    }

    /** Values per window. */
    public int window() {
        return kernel * kernel;
    }

    /** Whether the window is a power of two, so pooling is a sum and no division. */
    public boolean powerOfTwo() {
        return Integer.bitCount(window()) == 1;
    }

    static Op build(LayerBuild b) {
        Layer.AvgPool2d p = (Layer.AvgPool2d) b.layer();
        return new AvgPool(b.name(), b.inputs(), p.kernel(), p.stride(), p.extraBits(), sumQuantizer(b, p.extraBits()));
    }

    /** The plan's window-sum quantizer of an average pool, checked to sit extraBits above its input's exponent. */
    static Quantizer sumQuantizer(LayerBuild b, int extraBits) {
        LayerQuant lq = b.quant();
        Quantizer in = b.value(0);
        if (lq == null || lq.output() == null || in == null) {
            throw new IllegalArgumentException(
                    b.name() + ": average pooling needs quantized input codes and the" + " plan's sum quantizer");
        }
        Quantizer output = Quantizer.of(lq.output());
        if (output.exponent() != in.exponent() + extraBits) {
            throw new IllegalArgumentException(
                    b.name() + ": sum exponent " + output.exponent() + " is not the input exponent + " + extraBits);
        }
        return output;
    }

    static Op read(JsonNode o, String name, List<Integer> inputs, Map<String, Npz.Array> arrays) {
        return new AvgPool(
                name,
                inputs,
                o.get("kernel").asInt(),
                o.get("stride").asInt(),
                o.get("extra_bits").asInt(),
                OpJson.quantizer(o.get("output")));
    }

    @Override
    public int[] outputShape(List<int[]> in) {
        return Shapes.pool(in.get(0), kernel, stride);
    }

    @Override
    public Quantizer valueQuantizer(Quantizer in) {
        return output;
    }

    /**
     * Window sums; a window of 2^m values keeps the sum as it is (its exponent is the input's + m), any other
     * window n gives round_half_up(sum * 2^extraBits / n), an integer division.
     */
    @Override
    public long[] run(ScalarRun r) {
        long[] x = r.input(0);
        int[] in = r.inShape(0);
        int c = in[0];
        int h = in[1];
        int w = in[2];
        int oh = r.outShape()[1];
        int ow = r.outShape()[2];
        long n = window();
        long[] out = new long[c * oh * ow];
        for (int ch = 0; ch < c; ch++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    long sum = 0;
                    for (int ky = 0; ky < kernel; ky++) {
                        for (int kx = 0; kx < kernel; kx++) {
                            sum += x[(ch * h + oy * stride + ky) * w + ox * stride + kx];
                        }
                    }
                    long v = powerOfTwo() ? sum : Math.floorDiv((sum << (extraBits + 1)) + n, 2 * n);
                    out[(ch * oh + oy) * ow + ox] = Codes.saturate(v, output);
                }
            }
        }
        return out;
    }

    @Override
    public double tensorBound(TensorBounds b) {
        double sum = window() * b.inAbs();
        double bound = powerOfTwo() ? sum : sum * Math.scalb(1.0, extraBits + 1) + window();
        // The output lies within the window sum's range (a power of two) or the average's times 2^e,
        // plus one for the rounding: much narrower than the 32-bit quantizer it is saturated to.
        double scale = powerOfTwo() ? window() : Math.scalb(1.0, extraBits);
        int extra = powerOfTwo() ? 0 : 1;
        b.range(Math.max(output.qmin(), b.inLo() * scale - extra), Math.min(output.qmax(), b.inHi() * scale + extra));
        return bound;
    }

    /** The window of ones a depthwise convolution sums with. */
    @Override
    public List<NDArray> tensorConstants(TensorSetup s) {
        int channels = s.inShape(0)[0];
        return List.of(s.manager().ones(new Shape(channels, 1, kernel, kernel), DataType.FLOAT64));
    }

    @Override
    public NDArray forward(TensorRun t) {
        NDArray x = t.input(0);
        NDArray sum = Conv2d.conv2d(
                        x,
                        t.constant(0).toType(x.getDataType(), false),
                        null,
                        new Shape(stride, stride),
                        new Shape(0, 0),
                        new Shape(1, 1),
                        (int) x.getShape().get(1))
                .singletonOrThrow();
        NDArray v = powerOfTwo()
                ? sum
                : sum.mul(Math.scalb(1f, extraBits + 1))
                        .add((float) window())
                        .div(2f * window())
                        .floor();
        return v.clip(t.lo(), t.hi());
    }

    @Override
    public void header(CHeaderOut h) {
        String p = h.macro();
        h.text("/* " + name + ": average pool " + kernel + 'x' + kernel + ", stride " + stride
                + (powerOfTwo()
                        ? ", a window sum"
                        : "; the window is not a power of two, so this needs an integer division")
                + " */\n");
        h.define(p + "_KERNEL", kernel);
        h.define(p + "_STRIDE", stride);
        h.define(p + "_EXTRA_BITS", extraBits);
        h.define(p + "_DIVISOR", powerOfTwo() ? 1 : window());
        h.quantizer(p + "_OUTPUT", output);
        h.text("\n");
    }

    private static final String C = """
            static void op_$id(const $in x[$inSize], $out y[$outSize])
            {
                for (int c = 0; c < $channels; c++) {
                    for (int oy = 0; oy < $outHeight; oy++) {
                        for (int ox = 0; ox < $outWidth; ox++) {
                            int64_t s = 0;
                            for (int ky = 0; ky < $macro_KERNEL; ky++) {
                                for (int kx = 0; kx < $macro_KERNEL; kx++) {
                                    s += x[(c * $height + oy * $macro_STRIDE + ky) * $width + ox * $macro_STRIDE + kx];
                                }
                            }
                            y[(c * $outHeight + oy) * $outWidth + ox] = ($out) shiftq_sat($value, $macro_OUTPUT_QMIN, $macro_OUTPUT_QMAX);
                        }
                    }
                }
            }
            """;

    /** A window sum, divided (rounding half up) only when the window is not a power of two. */
    @Override
    public void source(CSourceOut c) {
        String macro = c.macro();
        Map<String, Object> holes = MaxPool.windowHoles(c, c.inType(0));
        holes.put("macro", macro);
        holes.put(
                "value",
                powerOfTwo()
                        ? "s"
                        : "shiftq_floor_div(s * (INT64_C(1) << (%1$s_EXTRA_BITS + 1)) + %1$s_DIVISOR, 2 * %1$s_DIVISOR)"
                                .formatted(macro));
        String text = CTemplate.fill(C, holes);
        if (!powerOfTwo()) {
            c.useFloorDivision();
        }
        c.function("", text, c.buffer(0));
    }

    @Override
    public String qdq(QdqOut g) {
        g.node(
                "AveragePool",
                List.of(g.input(0)),
                name + ".mean",
                name,
                g.attrInts("kernel_shape", kernel, kernel),
                g.attrInts("strides", stride, stride));
        return g.qdq(name + ".mean", output, name + ".output");
    }

    @Override
    public void aimet(AimetOut a) {
        // aimet-torch's AvgPool2d module carries an output quantizer: the exact window sum at the input exponent plus
        // ceil(log2(window)) (32-bit).
        a.ownOutput(name, output);
    }

    @Override
    public void describe(ObjectNode o) {
        o.put("kernel", kernel);
        o.put("stride", stride);
        o.put("extra_bits", extraBits);
        o.put(
                "sum",
                powerOfTwo()
                        ? "window sum of " + window() + " codes; the exponent grows by " + extraBits
                        : "window " + window() + " is not a power of two: out = floor((sum * 2^" + extraBits
                                + " * 2 + " + window() + ") / " + (2 * window())
                                + "), an integer division, not a shift");
        o.set("output", OpJson.quantizer(output));
    }

    @Override
    public void arrays(Map<String, Npz.Array> out) {
        out.put(name + ".output_exponent", OpJson.scalar(output.exponent()));
    }

    @Override
    public Optional<String> exportNote() {
        return powerOfTwo()
                ? Optional.empty()
                : Optional.of(name + " (avgpool): window " + window() + " is not a power of two; every integer"
                        + " target needs a division by " + window() + " here, not a shift");
    }
}
