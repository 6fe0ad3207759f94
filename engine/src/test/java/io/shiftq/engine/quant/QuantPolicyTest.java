package io.shiftq.engine.quant;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.engine.model.HeapTensor;
import io.shiftq.schema.config.QuantizationSpec;
import io.shiftq.schema.config.TensorQuantConfig;
import org.junit.jupiter.api.Test;

/** Per-channel weights, the bias rule and activation signedness, by hand. */
class QuantPolicyTest {

    private static QuantPolicy policy(boolean perChannel, String rule) {
        return new QuantPolicy(new QuantizationSpec(
                new TensorQuantConfig(8, true, true, perChannel, rule, 99.99),
                new TensorQuantConfig(8, false, true, false, "max", 99.99),
                new TensorQuantConfig(8, false, true, false, "max", 99.99),
                new TensorQuantConfig(32, true, true, false, "max", 99.99)));
    }

    @Test
    void perChannelExponents() {
        // channel 0 [0.5, -0.25]: 0.5 * 2^7 = 64 fits, 2^8 = 128 does not -> 7
        // channel 1 [4, 1]: 4 * 2^4 = 64 fits, 2^5 = 128 does not -> 4
        HeapTensor w = new HeapTensor(new long[] {2, 2}, new float[] {0.5f, -0.25f, 4f, 1f});
        TensorQuant q = policy(true, "max").weight(w);
        assertThat(q.channelExponents()).containsExactly(7, 4);
        assertThat(q.exponent()).isEqualTo(4);
        assertThat(policy(false, "max").weight(w).exponent()).isEqualTo(4);
    }

    @Test
    void biasExponentIsWeightPlusInput() {
        QuantPolicy p = policy(false, "max");
        TensorQuant w = TensorQuant.perTensor(8, true, ExponentRule.MAX, 7);
        TensorQuant in = TensorQuant.perTensor(8, false, ExponentRule.MAX, 5);
        TensorQuant b = p.biasAt(w, in);
        assertThat(b.exponent()).isEqualTo(12);
        assertThat(b.bits()).isEqualTo(32);
        assertThat(b.signed()).isTrue();
        TensorQuant wc = TensorQuant.perChannel(8, true, ExponentRule.MAX, new int[] {7, 4});
        assertThat(p.biasAt(wc, in).channelExponents()).containsExactly(12, 9);
    }

    @Test
    void activationsAreUnsignedOnlyWhenNonNegative() {
        QuantPolicy p = policy(false, "max");
        TensorQuantConfig c = p.spec().input();
        TensorQuant relu = p.activation(new ActivationStats(0f, 0.9f, new float[] {0f, 0.9f}, 2), c);
        assertThat(relu.signed()).isFalse();
        assertThat(relu.exponent()).isEqualTo(8);
        TensorQuant logits = p.activation(new ActivationStats(-0.9f, 0.9f, new float[] {-0.9f, 0.9f}, 2), c);
        assertThat(logits.signed()).isTrue();
        assertThat(logits.exponent()).isEqualTo(7);
    }
}
