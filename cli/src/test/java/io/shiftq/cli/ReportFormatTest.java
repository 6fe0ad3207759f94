package io.shiftq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.shiftq.schema.Json;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.report.QuantizationReport;
import io.shiftq.schema.report.ShiftRecord;
import io.shiftq.schema.report.TensorShift;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportFormatTest {

    /** features.0 is fine; classifier.0 has an output exponent finer than its accumulator (shift_cut -1). */
    private static final QuantizationReport REPORT = QuantizationReport.builder(
                    "job-7", "custom", QuantizationConfig.defaults())
            .initialAccuracy(90.0)
            .ptqAccuracy(89.5)
            .qatBestAccuracy(91.25)
            .finalAccuracy(91.0)
            .shiftRecords(List.of(
                    ShiftRecord.derive(
                            "features.0",
                            "Conv2d",
                            TensorShift.perTensor("features.0.weight", 8, true, "mse", 7, 40.125),
                            TensorShift.perTensor("features.0.bias", 32, true, "max", 15, 90.0),
                            TensorShift.perTensor("features.0.input", 8, false, "mse", 8, 50.0),
                            TensorShift.perTensor("features.0.output", 8, false, "mse", 5, 39.6),
                            null,
                            ShiftRecord.HALF_UP),
                    ShiftRecord.derive(
                            "classifier.0",
                            "Linear",
                            TensorShift.perTensor("classifier.0.weight", 4, true, "mse", 2, 17.5),
                            null,
                            TensorShift.perTensor("classifier.0.input", 8, false, "mse", 5, 45.0),
                            TensorShift.perTensor("classifier.0.output", 16, true, "mse", 8, 80.0),
                            5,
                            ShiftRecord.HALF_UP)))
            .build();

    @Test
    void theTableHasTheAccuraciesAndOneAlignedRowPerLayerWithItsShifts() {
        String[] lines = ReportFormat.table(REPORT).split("\\R");

        assertThat(lines[0]).isEqualTo("job job-7 (custom)");
        assertThat(lines[1]).isEqualTo("FP32 90.00%  PTQ 89.50%  QAT best 91.25%  final 91.00%");
        assertThat(lines[3].split("\\s+"))
                .startsWith("layer", "op", "w_exp", "b_exp", "i_exp", "o_exp", "shift_cut", "bias_shift");
        assertThat(lines[4].split("\\s+"))
                .containsExactly("features.0", "Conv2d", "7", "15", "8", "5", "10", "0", "40.13", "39.60");
        assertThat(lines[5]).startsWith("classifier.0").contains("shift_cut -1 < 0");
        // Aligned: every column starts where the header's does.
        assertThat(lines[4].indexOf("Conv2d")).isEqualTo(lines[3].indexOf("op"));
    }

    @Test
    void csvHasAHeaderAndQuotesCellsThatHoldCommasOrQuotes() {
        String[] lines = ReportFormat.csv(REPORT).split("\r\n");

        assertThat(lines[0])
                .isEqualTo("layer,op,w_exp,b_exp,i_exp,o_exp,shift_cut,bias_shift,w_sqnr_db,o_sqnr_db,violations");
        assertThat(lines[1]).isEqualTo("features.0,Conv2d,7,15,8,5,10,0,40.13,39.60,");
        assertThat(lines[2]).startsWith("classifier.0,Linear,2,,5,8,-1,,17.50,80.00,shift_cut -1 < 0");
        assertThat(lines).hasSize(3);
    }

    @Test
    void anUnknownFormatIsAUsageErrorNamingTheAllowedOnes() {
        assertThatThrownBy(() -> ReportFormat.of("xml")).hasMessage("--format 'xml' is not one of table, csv, json");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(
                new String[] {"report", "job-7", "--format", "xml"},
                java.util.Map.of(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(Main.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--format 'xml' is not one of table, csv, json");
    }

    @Test
    void theJobsTableShowsNewestFirstWithBitsAccuraciesAndAge() throws Exception {
        JsonNode job = Json.mapper().readTree("""
                {"job_id": "j-1", "variant": "custom", "state": "RUNNING", "requested_at": "2026-01-01T10:00:00Z",
                 "setup": {"model": "LeNet5", "weight_bits": 4, "bias_bits": 32, "input_bits": 8, "output_bits": 8},
                 "stages": [{"stage": "calibration", "accuracy": 88.123}, {"stage": "ptq", "accuracy": 87.5}]}
                """);
        List<JsonNode> jobs = new ArrayList<>(List.of(job));

        String[] lines = Jobs.table(jobs, Instant.parse("2026-01-01T10:05:00Z")).split("\\R");

        assertThat(lines[0].split("\\s+")).startsWith("JOB", "STATE", "VARIANT", "MODEL", "BITS");
        assertThat(lines[1].split("\\s+"))
                .containsExactly("j-1", "RUNNING", "custom", "LeNet5", "4/32/8/8", "88.12", "87.50", "-", "-", "5m");
    }

    @Test
    void liveBarsRedrawOneLinePerStageInPlaceAndKeepAFinishedStage() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StageBars bars = new StageBars(new PrintStream(bytes, true, StandardCharsets.UTF_8));

        bars.progress(Stage.CALIBRATION, "calibration 50%");
        bars.done(Stage.CALIBRATION, "calibration completed");
        bars.progress(Stage.CALIBRATION, "calibration 99%");
        bars.progress(Stage.PTQ, "ptq 10%");

        String text = bytes.toString(StandardCharsets.UTF_8);
        // The first drawing prints the four stage lines; every later one moves four lines up first.
        assertThat(text.split("\u001b\\[4F", -1)).hasSize(3);
        String last = text.substring(text.lastIndexOf("\u001b[4F"));
        assertThat(last).contains("calibration completed").contains("ptq 10%").doesNotContain("99%");
    }

    @Test
    void aReportMarksTheStagesNotReadYetAsCompleted() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StageBars bars = new StageBars(new PrintStream(bytes, true, StandardCharsets.UTF_8));

        bars.done(Stage.FINAL_PTQ, "final_ptq   completed");
        bars.reported();

        String text = bytes.toString(StandardCharsets.UTF_8);
        String last = text.substring(text.lastIndexOf("\u001b[4F"));
        assertThat(last).doesNotContain("waiting").contains("qat         completed (details in the report)");
    }
}
