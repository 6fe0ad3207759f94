package io.shiftq.reporting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.shiftq.schema.event.QuantizationRequested;
import org.junit.jupiter.api.Test;

class SubmissionTest {

    @Test
    void everyProblemOfEveryFieldIsListedWithTheConfigKeyItNames() {
        Submission.Invalid invalid = catchThrowableOfType(
                Submission.Invalid.class,
                () -> Submission.request(
                        new Submission.Form("..", "aimet2", "model:\n  num_classes: 0\ntraining:\n  epochs: -1\n")));

        assertThat(invalid.problems())
                .extracting(Submission.Problem::field)
                .containsExactly("job_id", "variant", "config", "config");
        assertThat(invalid.problems())
                .extracting(Submission.Problem::key)
                .containsExactly(null, null, "model.num_classes", "training.epochs");
        assertThat(invalid.problems().get(2).message())
                .isEqualTo("model.num_classes: 0 is outside the allowed range 1..100000");

        // An unknown key is named as the key too.
        Submission.Invalid unknown = catchThrowableOfType(
                Submission.Invalid.class,
                () -> Submission.request(new Submission.Form("j", "custom", "model:\n  colour: blue\n")));
        assertThat(unknown.problems()).singleElement().satisfies(p -> {
            assertThat(p.key()).isEqualTo("model.colour");
            assertThat(p.message()).startsWith("model.colour: unknown key");
        });
    }

    @Test
    void blankIdAndVariantTakeANewIdAndTheCustomVariant() {
        QuantizationRequested request = Submission.request(new Submission.Form(" ", null, ""));

        assertThat(request.jobId()).isNotBlank();
        assertThat(request.variant()).isEqualTo("custom");
        assertThat(request.config().model().name()).isEqualTo("VGGSmall");
    }
}
