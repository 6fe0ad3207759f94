package io.shiftq.engine.quant;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** Exponent rules and codes checked against values worked out by hand (see each comment). */
class Pow2Test {

    @Test
    void rangesAtFourAndEightBits() {
        assertThat(Pow2.qmin(8, true)).isEqualTo(-128);
        assertThat(Pow2.qmax(8, true)).isEqualTo(127);
        assertThat(Pow2.qmin(4, false)).isZero();
        assertThat(Pow2.qmax(4, false)).isEqualTo(15);
        assertThat(Pow2.qmax(32, true)).isEqualTo(2147483647L);
    }

    @Test
    void maxRuleSignedEightBits() {
        // 0.9 * 2^7 = 115.2 -> 115 fits 127; 0.9 * 2^8 = 230.4 does not. -0.3 * 2^7 = -38.4 fits.
        assertThat(Pow2.maxRule(-0.3f, 0.9f, 8, true)).isEqualTo(7);
    }

    @Test
    void maxRuleSignedFourBits() {
        // 0.9 * 2^3 = 7.2 -> 7 fits [-8, 7]; 0.9 * 2^4 = 14.4 does not.
        assertThat(Pow2.maxRule(-0.3f, 0.9f, 4, true)).isEqualTo(3);
    }

    @Test
    void maxRuleUnsignedUsesTheExtraBit() {
        // unsigned 4 bits: 0.9 * 2^4 = 14.4 -> 14 fits [0, 15]; signed would stop at 2^3.
        assertThat(Pow2.maxRule(0f, 0.9f, 4, false)).isEqualTo(4);
        // unsigned 8 bits: 0.9 * 2^8 = 230.4 fits 255; 2^9 gives 460.8.
        assertThat(Pow2.maxRule(0f, 0.9f, 8, false)).isEqualTo(8);
    }

    @Test
    void maxRuleNegativeNegativeSideDecides() {
        // -1.0 * 2^7 = -128 fits exactly at 8 bits signed, 1.0 * 2^7 = 128 would not: max side binds.
        assertThat(Pow2.maxRule(-1.0f, 0.5f, 8, true)).isEqualTo(7);
        // -1.0 alone: -128 fits, 2^8 gives -256.
        assertThat(Pow2.maxRule(-1.0f, 0f, 8, true)).isEqualTo(7);
    }

    @Test
    void negativeExponentsForLargeValues() {
        // 1000 * 2^-3 = 125 fits 127; 1000 * 2^-2 = 250 does not. Scale 2^3: "x << 3".
        assertThat(Pow2.maxRule(-1000f, 1000f, 8, true)).isEqualTo(-3);
        assertThat(Pow2.code(1000, -3, 8, true)).isEqualTo(125);
        assertThat(Pow2.fakeQuant(1000, -3, 8, true)).isEqualTo(1000.0);
        assertThat(Pow2.fakeQuant(1003, -3, 8, true)).isEqualTo(1000.0);
    }

    @Test
    void roundRuleMayClamp() {
        // log2(127 / 0.9) = 7.14 -> 7; log2(127 / 0.6) = 7.73 -> 8, where 0.6 * 256 = 153.6 clamps to 127.
        assertThat(Pow2.roundRule(0f, 0.9f, 8, true)).isEqualTo(7);
        assertThat(Pow2.roundRule(0f, 0.6f, 8, true)).isEqualTo(8);
        assertThat(Pow2.code(0.6, 8, 8, true)).isEqualTo(127);
        assertThat(Pow2.code(-0.6, 8, 8, true)).isEqualTo(-128);
    }

    @Test
    void roundsHalfUpLikeAShift() {
        assertThat(Pow2.code(2.5, 0, 8, true)).isEqualTo(3);
        assertThat(Pow2.code(-2.5, 0, 8, true)).isEqualTo(-2);
        assertThat(Pow2.code(-0.3, 7, 8, true)).isEqualTo(-38);
        assertThat(Pow2.code(-3.0, 0, 4, false)).isZero();
        assertThat(Pow2.code(20.0, 0, 4, false)).isEqualTo(15);
    }

    @Test
    void mseRulePrefersClippingOneOutlier() {
        // 100 values of 0.1 and one 1.0, 4 bits signed. Squared errors by hand:
        // n=2 (no overflow): 0.1*4=0.4 -> 0, error 100*0.01 = 1.0
        // n=3: 0.1 -> 1/8 (error 100*0.025^2 = 0.0625), 1.0 -> 7/8 (0.015625): 0.078 <- lowest
        // n=4: 0.1 -> 2/16 (0.0625), 1.0 -> 7/16 (0.316): 0.379
        float[] x = new float[101];
        Arrays.fill(x, 0.1f);
        x[100] = 1.0f;
        assertThat(Pow2.maxRule(0.1f, 1.0f, 4, true)).isEqualTo(2);
        assertThat(Pow2.mseRule(x, 0.1f, 1.0f, 4, true)).isEqualTo(3);
        assertThat(Pow2.squaredError(x, 3, 4, true)).isCloseTo(0.078125, Offset.offset(1e-6));
    }

    @Test
    void mseRuleKeepsNoOverflowExponentForUniformValues() {
        float[] x = {-0.9f, -0.5f, 0.1f, 0.5f, 0.9f};
        assertThat(Pow2.mseRule(x, -0.9f, 0.9f, 8, true)).isEqualTo(7);
    }

    @Test
    void percentileRuleIgnoresTheTail() {
        float[] x = new float[1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = i < 999 ? 0.5f : 100f;
        }
        // 99.9th percentile of |x| is 0.5 -> unsigned 8 bits: 0.5 * 2^9 = 256 > 255, 2^8 = 128 fits.
        assertThat(Pow2.percentileRule(x, 99.9, 8, false)).isEqualTo(8);
        // the max rule sees 100: 100 * 2^1 = 200 fits 255, 2^2 = 400 does not.
        assertThat(Pow2.maxRule(0f, 100f, 8, false)).isEqualTo(1);
    }

    @Test
    void sqnrOfExactValuesIsCapped() {
        assertThat(Pow2.sqnrDb(new float[] {0.5f, 0.25f}, 2, 8, true)).isEqualTo(200.0);
        // 0.3 at n=2: 1.2 -> 1 -> 0.25, noise 0.0025, signal 0.09: 10*log10(36) = 15.56 dB
        assertThat(Pow2.sqnrDb(new float[] {0.3f}, 2, 8, true)).isCloseTo(15.563, Offset.offset(1e-3));
    }

    @Test
    void roundAndPercentileRulesAtFourBits() {
        // round, 4 bits signed: log2(7 / 0.9) = 2.96 -> 3 (0.9 * 8 = 7.2 -> 7 fits);
        // log2(7 / 0.6) = 3.54 -> 4, where 0.6 * 16 = 9.6 clamps to 7.
        assertThat(Pow2.roundRule(-0.9f, 0.9f, 4, true)).isEqualTo(3);
        assertThat(Pow2.roundRule(-0.6f, 0.6f, 4, true)).isEqualTo(4);
        assertThat(Pow2.code(0.6, 4, 4, true)).isEqualTo(7);
        // round, 4 bits unsigned: log2(15 / 0.9) = 4.06 -> 4 (0.9 * 16 = 14.4 -> 14 fits 15).
        assertThat(Pow2.roundRule(0f, 0.9f, 4, false)).isEqualTo(4);
        // percentile, 4 bits unsigned: 99% of |x| is 0.5 -> 0.5 * 2^4 = 8 fits 15, 2^5 gives 16 -> 4;
        // the max rule on the 3.0 outlier gives 3.0 * 2^2 = 12 fits, 2^3 = 24 does not -> 2.
        float[] x = new float[100];
        Arrays.fill(x, 0.5f);
        x[99] = 3.0f;
        assertThat(Pow2.percentileRule(x, 99.0, 4, false)).isEqualTo(4);
        assertThat(Pow2.maxRule(0f, 3.0f, 4, false)).isEqualTo(2);
    }

    @Test
    void exponentsStayWithinPlusMinus64() {
        // a near-zero tensor would ask for 2^130, infinite in float32
        assertThat(Pow2.maxRule(-1e-38f, 1e-38f, 8, true)).isEqualTo(64);
        assertThat(Pow2.roundRule(0f, 1e-38f, 8, false)).isEqualTo(64);
        assertThat(Pow2.maxRule(-1e30f, 1e30f, 8, true)).isEqualTo(-64);
    }
}
