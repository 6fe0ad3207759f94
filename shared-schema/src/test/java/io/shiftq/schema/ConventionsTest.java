package io.shiftq.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.schema.report.ShiftRecord;
import io.shiftq.schema.report.TensorShift;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** conventions.json states the rules the Java records follow, in the words they write. */
class ConventionsTest {

    @Test
    void aNegativeShiftCutIsReportedInTheWordsOfItsTemplate() {
        TensorShift w = TensorShift.perTensor("features.0.weight", 8, true, "mse", 7, 40.0);
        TensorShift i = TensorShift.perTensor("features.0.input", 8, false, "mse", 4, 40.0);
        TensorShift o = TensorShift.perTensor("features.0.output", 8, false, "mse", 13, 40.0);
        List<String> violations = ShiftRecord.derive("features.0", "conv", w, null, i, o, null, "half_up")
                .violations();
        String template = ShiftRecord.VIOLATION_TEMPLATES.get("negative_shift_cut");
        assertThat(violations).containsExactly(template.replace("{shift_cut}", "-2"));
    }

    @Test
    void theConventionsCarryTheRecordsOwnConstants() {
        Map<String, Object> all = Conventions.all();
        assertThat(all.get("accumulator_bits")).isEqualTo(ShiftRecord.ACCUMULATOR_BITS);
        assertThat(all.get("sqnr_db_without_noise")).isEqualTo(200.0);
        assertThat(all.get("violations")).isEqualTo(ShiftRecord.VIOLATION_TEMPLATES);
        assertThat(((Map<?, ?>) all.get("stages"))
                        .keySet().stream().map(String::valueOf).toList())
                .containsExactly("calibration", "ptq", "qat", "final_ptq");
    }
}
