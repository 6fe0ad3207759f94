package io.shiftq.schema.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShiftValueTest {

    @Test
    void positiveExponentIsARightShift() {
        // The seed's features.0.weight entry.
        assertThat(ShiftValue.of(9)).isEqualTo(new ShiftValue(9, 0.001953125, "2^(-9)", "x >> 9"));
    }

    @Test
    void negativeExponentIsALeftShift() {
        assertThat(ShiftValue.of(-3)).isEqualTo(new ShiftValue(-3, 8.0, "2^(3)", "x << 3"));
    }

    @Test
    void zeroExponentIsScaleOne() {
        assertThat(ShiftValue.of(0)).isEqualTo(new ShiftValue(0, 1.0, "2^(0)", "x >> 0"));
    }

    @Test
    void scaleIsExactForLargeExponents() {
        assertThat(ShiftValue.of(40).scale()).isEqualTo(1.0 / (1L << 40));
        assertThatThrownBy(() -> ShiftValue.of(5000)).hasMessageContaining("exponent 5000");
    }

    @Test
    void layerDetailCopiesTheSeedFields() {
        assertThat(LayerDetail.of(ShiftValue.of(6), 8)).isEqualTo(new LayerDetail(0.015625, "2^(-6)", "x >> 6", 8));
    }

    @Test
    void perChannelShiftHoldsTheSmallestExponent() {
        TensorShift w = TensorShift.perChannel("features.0.weight", 8, true, "mse", List.of(9, 7, 11), 38.5);
        assertThat(w.shift()).isEqualTo(ShiftValue.of(7));
        assertThat(w.channelExponents()).containsExactly(9, 7, 11);
        assertThat(TensorShift.perTensor("features.0.input", 8, false, "mse", 6, null)
                        .channelExponents())
                .isNull();
    }

    @Test
    void deriveWorksOutTheShiftsOfTheSeedLayer() {
        TensorShift w = TensorShift.perTensor("features.0.weight", 8, true, "mse", 9, 40.0);
        TensorShift b = TensorShift.perTensor("features.0.bias", 32, true, "max", 15, null);
        TensorShift i = TensorShift.perTensor("features.0.input", 8, false, "mse", 6, 45.0);
        TensorShift o = TensorShift.perTensor("features.0.output", 8, false, "mse", 5, 39.0);
        ShiftRecord r = ShiftRecord.derive("features.0", "Conv2d", w, b, i, o, 7, ShiftRecord.HALF_UP);
        assertThat(r.shiftCut()).isEqualTo(9 + 6 - 5);
        assertThat(r.biasShift()).isEqualTo(9 + 6 - 15);
        assertThat(r.inputAlignShift()).isEqualTo(6 - 7);
        assertThat(r.violations()).isEmpty();
    }

    @Test
    void deriveReportsWhatHardwareCannotDo() {
        TensorShift w = TensorShift.perTensor("fc.weight", 8, true, "mse", 2, null);
        TensorShift b = TensorShift.perTensor("fc.bias", 32, true, "max", 10, null);
        TensorShift i = TensorShift.perTensor("fc.input", 8, false, "mse", 1, null);
        TensorShift o = TensorShift.perTensor("fc.output", 8, false, "mse", 5, null);
        ShiftRecord r = ShiftRecord.derive("fc", "Linear", w, b, i, o, null, ShiftRecord.HALF_UP);
        assertThat(r.shiftCut()).isEqualTo(-2);
        assertThat(r.inputAlignShift()).isNull();
        assertThat(r.violations())
                .containsExactly(
                        "shift_cut -2 < 0: output exponent finer than the accumulator",
                        "bias_shift -7 < 0: bias exponent finer than the accumulator, low bias bits lost");
    }

    @Test
    void deriveLeavesShiftsOfUnknownTensorsNull() {
        TensorShift w = TensorShift.perTensor("features.0.weight", 8, true, "mse", 9, null);
        TensorShift b = TensorShift.perTensor("features.0.bias", 32, true, "max", 20, null)
                .asProvisional();
        ShiftRecord r = ShiftRecord.derive("features.0", "Conv2d", w, b, null, null, null, ShiftRecord.HALF_UP);
        assertThat(r.shiftCut()).isNull();
        assertThat(r.biasShift()).isNull();
        assertThat(r.bias().provisional()).isTrue();
    }

    @Test
    void modelSizeWorksOutCompression() {
        assertThat(ModelSize.of(4000, 1000).compression()).isEqualTo(4.0);
    }
}
