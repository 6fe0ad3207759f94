package io.shiftq.engine.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.engine.data.ImageSet;
import io.shiftq.engine.deploy.exec.IntegerExecutor;
import io.shiftq.engine.deploy.ops.Codes;
import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.deploy.ops.RoundingMode;
import io.shiftq.engine.deploy.ops.Weighted;
import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.quant.ExponentRule;
import io.shiftq.engine.quant.LayerQuant;
import io.shiftq.engine.quant.QuantPlan;
import io.shiftq.engine.quant.TensorQuant;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One convolution worked on paper: 1x3x3 input, two 2x2 kernels, no padding, stride 1.
 *
 * <pre>
 * Quantizers: input u8 @ n=1 (scale 1/2), weight s8 @ n=2 (1/4), bias s32 @ n=w+i=3 (1/8),
 * output s8 @ n=1 (1/2), so shift_cut = 2 + 1 - 1 = 2. No ReLU (negative outputs survive).
 *
 * Input x            codes q = floor(2x + 0.5), clamp [0, 255]
 *   1.0  2.0  0.5      2  4  1
 *   3.0  0.25 4.0      6  1  8     (0.25*2 = 0.5 rounds half UP to 1; half-to-even would give 0)
 *   100  1.5  2.5    200  3  5
 *
 * Channel 0: w = [[0.5, -1.0], [0.25, 0.75]] -> codes [[2, -4], [1, 3]], bias -0.375 -> -3
 *   (0,0): 2*2 + 4*-4 + 6*1 + 1*3 = -3, acc = -6  -> (-6 + 2) >> 2 = -1   (-1.5 half up -> -1) negative
 *   (0,1): 4*2 + 1*-4 + 1*1 + 8*3 = 29, acc = 26  -> (26 + 2) >> 2 = 7     (6.5 -> 7)
 *   (1,0): 6*2 + 1*-4 + 200*1 + 3*3 = 217, acc = 214 -> 216 >> 2 = 54     (53.5 -> 54)
 *   (1,1): 1*2 + 8*-4 + 3*1 + 5*3 = -12, acc = -15 -> (-13) >> 2 = -4     (-3.75 -> -4) negative
 * Channel 1: w = all 1.0 -> codes 4, bias 0.125 -> 1; acc = 4 * window sum + 1
 *   (0,0): 13 -> 53 -> 55 >> 2 = 13;  (0,1): 14 -> 57 -> 14
 *   (1,0): 210 -> 841 -> 843 >> 2 = 210 -> saturates to 127
 *   (1,1): 17 -> 69 -> 71 >> 2 = 17
 * Floor rounding (acc >> 2): channel 0 -> -2, 6, 53, -4; channel 1 -> 13, 14, 127, 17.
 * </pre>
 */
class HandWorkedConvTest {
    static final long[] HALF_UP = {-1, 7, 54, -4, 13, 14, 127, 17};
    static final long[] FLOOR = {-2, 6, 53, -4, 13, 14, 127, 17};

    @TempDir
    Path dir;

    static Network network() {
        return new Network(
                "HandConv",
                List.of(new Network.Node(new Layer.Conv2d("conv", 1, 2, 2, 1, 0, true), List.of(Network.INPUT))),
                new int[] {1, 3, 3},
                8);
    }

    static StateDict weights() {
        return new StateDict(Map.of(
                "conv.weight",
                        new HeapTensor(new long[] {2, 1, 2, 2}, new float[] {0.5f, -1f, 0.25f, 0.75f, 1, 1, 1, 1}),
                "conv.bias", new HeapTensor(new long[] {2}, new float[] {-0.375f, 0.125f})));
    }

    static QuantPlan plan() {
        return new QuantPlan(Map.of(
                "conv",
                new LayerQuant(
                        TensorQuant.perTensor(8, true, ExponentRule.MAX, 2),
                        TensorQuant.perTensor(32, true, ExponentRule.MAX, 3),
                        TensorQuant.perTensor(8, false, ExponentRule.MAX, 1),
                        TensorQuant.perTensor(8, true, ExponentRule.MAX, 1))));
    }

    static final float[] IMAGE = {1f, 2f, 0.5f, 3f, 0.25f, 4f, 100f, 1.5f, 2.5f};

    @Test
    void integerResultEqualsPaper() throws Exception {
        Deployment.export(dir, network(), weights(), plan());
        IntegerExecutor exec = IntegerExecutor.load(dir);
        Weighted conv = exec.model().weighted().get(0);
        assertThat(conv.weights().codes()).containsExactly(2, -4, 1, 3, 4, 4, 4, 4);
        assertThat(conv.biases().codes()).containsExactly(-3, 1);
        assertThat(conv.shiftCut()).containsExactly(2, 2);
        assertThat(IntegerExecutor.quantizeInput(IMAGE, 0, new int[] {1, 3, 3}, conv.input()))
                .containsExactly(2, 4, 1, 6, 1, 8, 200, 3, 5);
        assertThat(exec.run(IMAGE).codes()[0]).containsExactly(HALF_UP);
        IntegerExecutor floor = new IntegerExecutor(exec.model(), RoundingMode.FLOOR, 1);
        assertThat(floor.run(IMAGE).codes()[0]).containsExactly(FLOOR);
    }

    @Test
    void fakeQuantAgreesWithPaper() throws Exception {
        Deployment.export(dir, network(), weights(), plan());
        ImageSet one = new ImageSet(IMAGE, new int[] {0}, 1, 3, 3);
        IntegerChecker.Result r = IntegerChecker.check(dir, network(), weights(), plan(), one, 1);
        assertThat(r.logitMismatches()).isZero();
        IntegerChecker.FakeQuantRun fq = IntegerChecker.fakeQuant(network(), weights(), plan(), one, 1, 1);
        assertThat(fq.codes()[0]).containsExactly(HALF_UP);
    }

    @Test
    void shiftsRoundAndSaturateAsStated() {
        assertThat(Codes.shiftRight(-5, 1, RoundingMode.HALF_UP)).isEqualTo(-2); // -2.5 -> -2
        assertThat(Codes.shiftRight(-5, 1, RoundingMode.FLOOR)).isEqualTo(-3);
        assertThat(Codes.shiftRight(5, 1, RoundingMode.HALF_UP)).isEqualTo(3); // 2.5 -> 3
        assertThat(Codes.shiftRight(5, -3, RoundingMode.HALF_UP)).isEqualTo(40); // left shift, exact
        assertThat(Codes.shiftRight(3, 0, RoundingMode.HALF_UP)).isEqualTo(3);
        assertThat(Codes.shiftRight(Long.MAX_VALUE / 2, -4, RoundingMode.HALF_UP))
                .isEqualTo(Long.MAX_VALUE);
        IntegerModel.Quantizer u4 = new IntegerModel.Quantizer(4, false, 0);
        assertThat(Codes.saturate(-3, u4)).isZero();
        assertThat(Codes.saturate(99, u4)).isEqualTo(15);
    }
}
