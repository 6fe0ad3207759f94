package io.shiftq.engine.deploy.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.nn.LoadedNetwork;
import io.shiftq.engine.quant.ExponentRule;
import io.shiftq.engine.quant.FakeQuant;
import io.shiftq.engine.quant.TensorQuant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The padded pool's scalar kernel against the float forward's pooling ({@code LoadedNetwork.paddedPool}) of the same
 * codes as floats, fake-quantized as the float pipeline does: a max equal code for code, an average equal after the fake quantizer at input exponent +
 * extraBits, for padding with and without the pad in the count and partial ceil-mode windows.
 */
class PaddedPoolTest {

    @ParameterizedTest(name = "max={0} k{1} s{2} p{3} ceil={4} includePad={5} on {6}x{6}")
    @CsvSource({
        "true, 3, 2, 1, true, false, 8",
        "true, 2, 2, 0, true, false, 7",
        "false, 3, 1, 1, false, false, 6",
        "false, 3, 1, 1, false, true, 6",
        "false, 3, 2, 1, true, true, 8",
        "false, 3, 2, 1, true, false, 8",
        "false, 2, 2, 0, true, true, 5"
    })
    void theKernelEqualsLibtorchsPoolOfTheCodesFakeQuantized(
            boolean max, int k, int s, int p, boolean ceil, boolean includePad, int side) {
        EngineSetup.start();
        int inExp = 3;
        int extra = 32 - Integer.numberOfLeadingZeros(k * k - 1);
        Quantizer out = max ? null : new Quantizer(32, true, inExp + extra);
        PaddedPool op = new PaddedPool("pool", List.of(0), max, k, s, p, ceil, includePad, max ? 0 : extra, out);
        int channels = 3;
        long[] codes = new long[channels * side * side];
        float[] values = new float[codes.length];
        Random rnd = new Random(5);
        for (int i = 0; i < codes.length; i++) {
            codes[i] = rnd.nextInt(256) - 128;
            values[i] = Math.scalb((float) codes[i], -inExp);
        }
        int[] inShape = {channels, side, side};
        int[] outShape = op.outputShape(List.of(inShape));
        long[] integer = op.run(new ScalarRun() {
            @Override
            public long[] input(int j) {
                return codes;
            }

            @Override
            public long[] networkInput(Quantizer q) {
                throw new UnsupportedOperationException();
            }

            @Override
            public int[] inShape(int j) {
                return inShape;
            }

            @Override
            public int[] outShape() {
                return outShape;
            }

            @Override
            public RoundingMode rounding() {
                return RoundingMode.HALF_UP;
            }
        });
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(values, new Shape(1, channels, side, side));
            NDArray y = LoadedNetwork.paddedPool(new Layer.PaddedPool2d("pool", max, k, s, p, ceil, includePad), x);
            assertThat(y.getShape().getShape()).containsExactly(1, channels, outShape[1], outShape[2]);
            int e = max ? inExp : out.exponent();
            NDArray q = max
                    ? y.mul(Math.scalb(1f, e))
                    : FakeQuant.codes(y, TensorQuant.perTensor(32, true, ExponentRule.MAX, e));
            float[] expected = q.toFloatArray();
            long[] want = new long[expected.length];
            for (int i = 0; i < want.length; i++) {
                want[i] = (long) expected[i];
            }
            assertThat(integer).containsExactly(want);
        }
    }
}
