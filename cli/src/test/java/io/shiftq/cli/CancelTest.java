package io.shiftq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What {@code cancel} does with the reporting service's answer about the job. */
class CancelTest {

    @Test
    void anUnknownJobAndAnEndedOneGetTheirOwnExitCodesAndRunningOnesTheirVariant() {
        assertThat(Cancel.verdict("job-x", new ReportingClient.Answer(404, "{\"error\":\"no job\"}")))
                .isEqualTo(new Cancel.Verdict(
                        Main.UNKNOWN_JOB,
                        "shiftq: no job 'job-x' is known to the reporting service; nothing to cancel",
                        null));
        for (String ended : Cancel.ENDED) {
            var verdict = Cancel.verdict(
                    "job-x", new ReportingClient.Answer(200, "{\"job_id\":\"job-x\",\"state\":\"" + ended + "\"}"));
            assertThat(verdict.code()).isEqualTo(Main.JOB_ENDED);
            assertThat(verdict.message()).contains("has already ended (" + ended + ")");
        }
        assertThat(Cancel.verdict(
                        "job-x",
                        new ReportingClient.Answer(
                                200, "{\"job_id\":\"job-x\",\"state\":\"RUNNING\",\"variant\":\"aimet\"}")))
                .isEqualTo(new Cancel.Verdict(Main.OK, null, "aimet"));
        assertThat(Cancel.verdict("job-x", new ReportingClient.Answer(503, "down"))
                        .code())
                .isEqualTo(Main.JOB_FAILED);
    }
}
