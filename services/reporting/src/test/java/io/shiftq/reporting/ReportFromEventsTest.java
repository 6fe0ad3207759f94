package io.shiftq.reporting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.schema.Json;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.report.IntegerCheck;
import io.shiftq.schema.report.QuantizationReport;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportFromEventsTest {

    private static final String JOB = "local-1";

    @Test
    void aFileOfEventsGivesTheReportTheServiceBuildsFromTheSameCompletions() throws Exception {
        ArrayNode events = Json.mapper().createArrayNode();
        events.add(Json.mapper().valueToTree(Events.progress(JOB, 50.0)));
        List<StageCompleted> done =
                List.of(Events.calibration(JOB), Events.ptq(JOB), Events.qat(JOB), Events.finalPtq(JOB));
        done.forEach(d -> events.add(Json.mapper().valueToTree(d)));
        ObjectNode metrics = (ObjectNode) events.get(4).get("metrics");
        double[] check = {256, 89.0, 89.0, 1, 7};
        for (int i = 0; i < check.length; i++) {
            metrics.put(IntegerCheck.METRICS.get(i), check[i]);
        }

        QuantizationReport report = ReportFromEvents.build(Json.write(events));

        assertThat(report.integerCheck().images()).isEqualTo(256);
        assertThat(report.integerCheck().predictionMismatches()).isEqualTo(1);
        assertThat(report.integerCheck().logitMismatches()).isEqualTo(7);
        Map<Stage, StageCompleted> stages = new EnumMap<>(Stage.class);
        done.forEach(d -> stages.put(d.stage(), d));
        stages.put(Stage.FINAL_PTQ, Json.read(events.get(4).toString(), StageCompleted.class));
        QuantizationReport fromStages = ReportFromStages.build(new JobBoard.ReportInput(JOB, "custom", null, stages));
        assertThat(Json.writePretty(report)).isEqualTo(Json.writePretty(fromStages));
        assertThat(report.finalAccuracy()).isEqualTo(89.0);
    }

    @Test
    void eventsWithoutTheFinalStageAreRefusedNamingIt() {
        String events = Json.write(List.of(Events.calibration(JOB), Events.ptq(JOB)));
        assertThatThrownBy(() -> ReportFromEvents.build(events))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("final_ptq");
    }
}
