package io.shiftq.engine.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shiftq.engine.deploy.c.CHeader;
import io.shiftq.engine.deploy.c.CProgram;
import io.shiftq.engine.deploy.c.CSource;
import io.shiftq.engine.deploy.exec.IntegerExecutor;
import io.shiftq.engine.deploy.format.ModelFiles;
import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.deploy.ops.IntegerModel.BiasCodes;
import io.shiftq.engine.deploy.ops.IntegerModel.Geometry;
import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import io.shiftq.engine.deploy.ops.IntegerModel.WeightCodes;
import io.shiftq.engine.deploy.ops.RoundingMode;
import io.shiftq.engine.deploy.ops.Weighted;
import io.shiftq.schema.config.TargetConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 16-bit accumulator target at its edge: a linear layer whose worst case |bias| + sum |w| * 255 is exactly
 * 32767, driven to it by saturating images (every pixel 255), runs in the C reference with {@code int16_t}
 * accumulators and gives the Java executor's 64-bit codes; one weight code more and the executor refuses the model.
 */
class TargetAccumulatorTest {
    private static final int SIDE = 4;
    private static final IntegerModel.Target FPGA16 =
            new IntegerModel.Target(TargetConfig.FPGA16, TargetConfig.PROFILES.get(TargetConfig.FPGA16));

    /**
     * 16 unsigned 8-bit inputs -> 2 channels (channel 0 all weights positive, channel 1 all negative) -> an identity.
     */
    static IntegerModel model(int extra) {
        int[] w = new int[32];
        // 8 codes of 16 sum to |128|: 128 * 255 = 32640, plus |bias| 127 = 32767, the int16 maximum.
        for (int k = 0; k < 16; k++) {
            w[k] = 8;
            w[16 + k] = -8;
        }
        w[0] += extra;
        Weighted fc = new Weighted(
                "fc",
                Weighted.Kind.LINEAR,
                List.of(IntegerModel.INPUT),
                Geometry.linear(16, 2),
                new WeightCodes(w, 8, new int[] {7}),
                new BiasCodes(new long[] {127, -127}, 16, new int[] {15}),
                new Quantizer(8, false, 8),
                null,
                new Quantizer(13, true, 11),
                new int[] {4, 4},
                false);
        // An identity layer after it, so the C has a layer reading another one's codes.
        Weighted identity = new Weighted(
                "out",
                Weighted.Kind.LINEAR,
                List.of(0),
                Geometry.linear(2, 2),
                new WeightCodes(new int[] {1, 0, 0, 1}, 8, new int[] {0}),
                null,
                new Quantizer(13, true, 11),
                0,
                new Quantizer(13, true, 11),
                new int[] {0, 0},
                false);
        return new IntegerModel("Edge16", new int[] {1, SIDE, SIDE}, 2, List.of(fc, identity), null).withTarget(FPGA16);
    }

    @Test
    void saturatingInputsReachTheBoundAndTheInt16CReferenceAgreesWithTheExecutor(@TempDir Path dir) throws Exception {
        IntegerModel m = model(0);
        assertThat(m.weighted().get(0).accumulatorBound()).isEqualTo(Short.MAX_VALUE);
        ModelFiles.write(m, dir);
        assertThat(ModelFiles.read(dir).target()).isEqualTo(FPGA16);
        CSource.write(m, dir);
        assertThat(Files.readString(dir.resolve(CSource.FILE))).contains("int16_t acc = ");
        assertThat(Files.readString(dir.resolve(CHeader.FILE)))
                .contains("#define SHIFTQ_ACCUMULATOR_BITS 16", "#define FC_ACCUMULATOR_BOUND (32767)");

        int n = 200;
        byte[] pixels = new byte[n * SIDE * SIDE];
        new Random(3).nextBytes(pixels);
        Arrays.fill(pixels, 0, SIDE * SIDE, (byte) 255); // image 0: every input code 255
        CReferenceRuns.Images images = CReferenceRuns.images(dir, pixels, n, SIDE, new Random(5), m);
        IntegerExecutor.Result java =
                new IntegerExecutor(m, RoundingMode.HALF_UP, 1).run(images.set().pixels());
        // acc = +-32767 exactly; (32767 + 8) >> 4 = 2048 and (-32767 + 8) >> 4 = -2048 (floor).
        assertThat(java.codes()[0]).containsExactly(2048, -2048);
        CProgram.Run c = CProgram.compile(dir, dir.resolve("shiftq_main"), CProgram.SANITIZED)
                .run(images.idx(), images.labels(), n, dir);
        CReferenceRuns.assertSameCodes("int16 accumulators", c, java);
    }

    @Test
    void aModelWhoseWorstCaseLeavesTheAccumulatorIsRefusedNamingTheLayer() {
        IntegerModel m = model(1);
        assertThat(m.weighted().get(0).accumulatorBound()).isEqualTo(Short.MAX_VALUE + 255);
        assertThatThrownBy(() -> new IntegerExecutor(m))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("fc: worst-case accumulator 33022 exceeds the 16-bit accumulator of target fpga16 (32767)");
        assertThat(CSource.render(m)).contains("int32_t acc = "); // fc only; the identity layer still fits int16_t
    }
}
