package io.shiftq.engine.deploy.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CTemplateTest {
    @Test
    void holesAreFilledByNameAndAHoleEndsAtTheFirstCharacterThatIsNotALetterOrDigit() {
        String c = CTemplate.fill(
                "static $type y[$n]; /* $macro_OUTPUT_QMAX, $macro_ALIGN_SHIFT_$k */",
                Map.of("type", "int8_t", "n", 10, "macro", "FEATURES_0", "k", 1));
        assertThat(c).isEqualTo("static int8_t y[10]; /* FEATURES_0_OUTPUT_QMAX, FEATURES_0_ALIGN_SHIFT_1 */");
    }

    @Test
    void aHoleWithoutAValueIsAnErrorNamingIt() {
        assertThatThrownBy(() -> CTemplate.fill("y[$n] = $value;", Map.of("n", 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("$value");
    }

    @Test
    void aValueWithDollarsAndBackslashesIsWrittenAsItIs() {
        assertThat(CTemplate.fill("$x", Map.of("x", "a$1\\b"))).isEqualTo("a$1\\b");
    }
}
