package io.shiftq.engine.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.engine.deploy.c.CProgram;
import io.shiftq.engine.deploy.c.CSource;
import io.shiftq.engine.deploy.exec.IntegerExecutor;
import io.shiftq.engine.deploy.ops.Add;
import io.shiftq.engine.deploy.ops.AvgPool;
import io.shiftq.engine.deploy.ops.ChannelGather;
import io.shiftq.engine.deploy.ops.ClippedRelu;
import io.shiftq.engine.deploy.ops.Concat;
import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.deploy.ops.IntegerModel.BiasCodes;
import io.shiftq.engine.deploy.ops.IntegerModel.Geometry;
import io.shiftq.engine.deploy.ops.IntegerModel.InputNormalization;
import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import io.shiftq.engine.deploy.ops.IntegerModel.WeightCodes;
import io.shiftq.engine.deploy.ops.Lut;
import io.shiftq.engine.deploy.ops.MaxPool;
import io.shiftq.engine.deploy.ops.Mul;
import io.shiftq.engine.deploy.ops.Op;
import io.shiftq.engine.deploy.ops.PaddedPool;
import io.shiftq.engine.deploy.ops.PassThrough;
import io.shiftq.engine.deploy.ops.Relu;
import io.shiftq.engine.deploy.ops.RoundingMode;
import io.shiftq.engine.deploy.ops.Weighted;
import io.shiftq.engine.model.PointwiseFunction;
import io.shiftq.engine.model.PointwiseFunction.Kind;
import io.shiftq.engine.quant.LookupTables;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The C reference against the Java integer executor on a model built to hit every case the arithmetic has, which
 * trained models rarely reach: shift_cut negative (a left shift), zero, and 63 or more; alignment shifts both ways;
 * saturation at 4, 8 and 32 bits, signed and unsigned; a 64-bit accumulator and 64-bit logits; depthwise and 1x1 convolutions with
 * and without bias; a residual add with a fused ReLU; concat; average pooling over 9 (a division) and 4 (a sum)
 * values; max pooling; padded ceil-mode max pooling (a window past the padding), padded average pooling with the
 * padding counted (ceil mode) and not; every lookup-table activation (8- and 16-bit inputs); a channel shuffle and channel slices;
 * elementwise products of two maps and of a map by a per-channel gate (right and left shifts); ReLU, ReLU6; a normalized, signed input. Random weights and images, a fixed seed. Both
 * roundings: half up and floor ({@code -DSHIFTQ_ROUND_FLOOR=1}).
 */
class CReferenceEdgeCasesTest {
    private static final int SIDE = 32;
    private static final int IMAGES = 2000;

    @ParameterizedTest
    @EnumSource(RoundingMode.class)
    void everyCodeEqualsTheJavaExecutorsAndTheDataSaturate(RoundingMode rounding, @TempDir Path dir) throws Exception {
        IntegerModel model = edgeCaseModel(new Random(7));
        CSource.write(model, dir);
        CReferenceRuns.Images images = CReferenceRuns.randomImages(dir, IMAGES, SIDE, new Random(11), model);
        CProgram c = CProgram.compile(
                dir,
                dir.resolve("shiftq_main"),
                rounding == RoundingMode.FLOOR ? CReferenceRuns.withFloor(CProgram.SANITIZED) : CProgram.SANITIZED);
        CProgram.Run run = c.run(images.idx(), images.labels(), IMAGES, dir);
        IntegerExecutor.Result java =
                new IntegerExecutor(model, rounding, 2).run(images.set().pixels());
        CReferenceRuns.assertSameCodes(model.network() + " " + rounding, run, java);

        // The images drive values to both ends of the narrow quantizers, so saturation is really compared.
        for (String layer : List.of("c0", "dw", "add", "cat", "tanh", "mul", "gate")) {
            long[] ends = CReferenceRuns.saturated(
                    model, layer, rounding, images.set().pixels());
            System.out.printf("%s %s: %d codes at qmin, %d at qmax%n", rounding, layer, ends[0], ends[1]);
            assertThat(ends[0] + ends[1]).as(layer + " saturates").isPositive();
        }
    }

    /** The model described in the class comment, on 1x32x32 images. */
    static IntegerModel edgeCaseModel(Random rnd) {
        Quantizer s8 = new Quantizer(8, true, 3);
        Quantizer u8 = new Quantizer(8, false, 4);
        Quantizer u4 = new Quantizer(4, false, 2);
        Quantizer s16 = new Quantizer(16, true, 6);
        Quantizer s32 = new Quantizer(32, true, 8);
        List<Op> ops = new ArrayList<>();
        // 0: 12x12 -> 6 channels of 12x12, per-channel shifts: right, none, left, 63, 70.
        ops.add(conv(
                "c0",
                -1,
                new Geometry(1, 6, 3, 1, 1),
                8,
                true,
                new Quantizer(8, true, 5),
                null,
                s8,
                false,
                rnd,
                3,
                0,
                -2,
                1,
                63,
                70));
        ops.add(new Relu("r0", List.of(0), false));
        // 2: depthwise, stride 2, no bias, 4-bit weights, input moved left by one (saturating), u4 output.
        ops.add(conv("dw", 1, new Geometry(6, 6, 3, 2, 1, 6), 4, false, u8, 1, u4, true, rnd, 4, 5, 2, 3, 6, 1));
        // 3: 1x1, input moved right by two (rounding), s16 output.
        ops.add(conv("pw", 2, new Geometry(6, 8, 1, 1, 0), 8, true, u8, -2, s16, false, rnd, -1, 0, 1, 2, -3, 1, 0, 2));
        ops.add(new ClippedRelu("r6", List.of(3), false, 6f, 384));
        ops.add(conv("side", 1, new Geometry(6, 8, 3, 2, 1), 8, true, s8, 0, s8, false, rnd, 5, 5, 5, 5, 6, 6, 6, 6));
        ops.add(new Add("add", List.of(4, 5), s32, new int[] {3, -1}, s8, 4, true));
        ops.add(new Concat("cat", List.of(6, 3), new int[] {-3, 2}, s8));
        // 8-14: every lookup table in a chain, 8- and 16-bit inputs; tanh saturates at 8 bits.
        lut(ops, new PointwiseFunction(Kind.LEAKY_RELU, 0.1f, 0f), s8, s8);
        lut(ops, PointwiseFunction.of(Kind.GELU), s8, new Quantizer(8, true, 4));
        lut(ops, PointwiseFunction.of(Kind.HARD_SWISH), new Quantizer(8, true, 4), new Quantizer(16, true, 10));
        lut(ops, PointwiseFunction.of(Kind.TANH), new Quantizer(16, true, 10), new Quantizer(8, true, 7));
        lut(ops, PointwiseFunction.of(Kind.SILU), new Quantizer(8, true, 7), new Quantizer(8, true, 5));
        lut(ops, new PointwiseFunction(Kind.HARD_SIGMOID, 0.2f, 0.5f), new Quantizer(8, true, 5), u8);
        lut(ops, PointwiseFunction.of(Kind.SIGMOID), u8, u8);
        // 15-21: a channel shuffle and two channel slices (16 channels of 16x16 -> 8), a product of two maps (the
        // sigmoid's and the tanh's, shift_cut 3), a per-channel gate (a global pool's 32-bit sums) multiplied in
        // (shift_cut 5), both saturating in part, and a concat back to 16 channels.
        ops.add(new ChannelGather("shuffle", List.of(14), ChannelGather.Kind.SHUFFLE, 4, 0, 0));
        ops.add(new ChannelGather("slice_a", List.of(15), ChannelGather.Kind.SLICE, 1, 3, 11));
        ops.add(new ChannelGather("slice_b", List.of(11), ChannelGather.Kind.SLICE, 1, 0, 8));
        Quantizer product = new Quantizer(8, true, 8);
        ops.add(new Mul("mul", List.of(16, 17), u8, new Quantizer(8, true, 7), product, 4 + 7 - 8));
        Quantizer sums = new Quantizer(32, true, 8 + 8);
        ops.add(new AvgPool("gap", List.of(18), 16, 16, 8, sums));
        ops.add(new Mul("gate", List.of(18, 19), product, sums, new Quantizer(16, true, 19), 8 + 16 - 19));
        ops.add(new Concat("cat2", List.of(20, 16), new int[] {3 - 19, 3 - 4}, s8));
        ops.add(new AvgPool("avg3", List.of(21), 3, 1, 4, s32));
        ops.add(new AvgPool("avg2", List.of(22), 2, 2, 2, s32));
        ops.add(new MaxPool("max", List.of(23), 2, 1));
        // 25-27: 16 channels of 6x6 -> 4x4 (the last window starts in the padding's row, ends past it) -> 3x3 -> 3x3.
        ops.add(new PaddedPool("pmax", List.of(24), true, 3, 2, 1, true, false, 0, null));
        ops.add(new PaddedPool("pavg_in", List.of(25), false, 3, 2, 1, true, true, 4, new Quantizer(32, true, 13)));
        ops.add(new PaddedPool("pavg_ex", List.of(26), false, 3, 1, 1, false, false, 4, new Quantizer(22, true, 17)));
        ops.add(new PassThrough("flatten", PassThrough.Kind.FLATTEN, List.of(27)));
        ops.add(new PassThrough("drop", PassThrough.Kind.IDENTITY, List.of(28)));
        // 30: 16-bit weights on 16-bit inputs: the accumulator needs 64 bits; 40-bit outputs: so do the logits.
        ops.add(linear("fc", 29, 144, 10, rnd, s16, -6, new Quantizer(40, true, 6)));
        return new IntegerModel(
                "EdgeCases",
                new int[] {1, SIDE, SIDE},
                10,
                List.copyOf(ops),
                new InputNormalization(new float[] {0.5f}, new float[] {0.25f}));
    }

    /** A table reading the previous op's codes. */
    private static void lut(List<Op> ops, PointwiseFunction f, Quantizer in, Quantizer out) {
        long[] table =
                LookupTables.of(f, in.bits(), in.signed(), in.exponent(), out.bits(), out.signed(), out.exponent());
        ops.add(new Lut(f.kind().json(), List.of(ops.size() - 1), f, in, out, table));
    }

    private static Weighted conv(
            String name,
            int input,
            Geometry g,
            int weightBits,
            boolean bias,
            Quantizer in,
            Integer align,
            Quantizer out,
            boolean relu,
            Random rnd,
            int... cuts) {
        int n = g.outChannels() * g.inPerGroup() * g.kernel() * g.kernel();
        return new Weighted(
                name,
                Weighted.Kind.CONV,
                List.of(input),
                g,
                weights(n, weightBits, rnd),
                bias ? biases(g.outChannels(), rnd) : null,
                in,
                align,
                out,
                cuts,
                relu);
    }

    private static Weighted linear(
            String name, int input, int in, int out, Random rnd, Quantizer inQ, int align, Quantizer outQ) {
        int[] cuts = new int[out];
        for (int k = 0; k < out; k++) {
            cuts[k] = 4 + 2 * k;
        }
        return new Weighted(
                name,
                Weighted.Kind.LINEAR,
                List.of(input),
                Geometry.linear(in, out),
                weights(in * out, 16, rnd),
                biases(out, rnd),
                inQ,
                align,
                outQ,
                cuts,
                true);
    }

    private static WeightCodes weights(int n, int bits, Random rnd) {
        int[] w = new int[n];
        int half = 1 << (bits - 1);
        for (int k = 0; k < n; k++) {
            w[k] = rnd.nextInt(2 * half) - half;
        }
        return new WeightCodes(w, bits, new int[] {bits - 2});
    }

    private static BiasCodes biases(int n, Random rnd) {
        long[] b = new long[n];
        for (int k = 0; k < n; k++) {
            b[k] = rnd.nextInt(1 << 12) - (1 << 11);
        }
        return new BiasCodes(b, 32, new int[] {0});
    }
}
