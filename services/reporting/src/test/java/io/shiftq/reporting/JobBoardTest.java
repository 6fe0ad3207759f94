package io.shiftq.reporting;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.messaging.Workers;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.QuantizationRequested;
import io.shiftq.schema.event.ReportPublished;
import io.shiftq.schema.event.ReportSummary;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageStatus;
import io.shiftq.schema.report.JobStatus;
import io.shiftq.schema.report.QuantizationReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobBoardTest {

    private final JobBoard board = new JobBoard();

    @Test
    void aRequestAloneIsRequested() {
        board.onRequest(Events.request("j1"));

        JobView job = board.job("j1").orElseThrow();
        assertThat(job.state()).isEqualTo(JobState.REQUESTED);
        assertThat(job.variant()).isEqualTo("custom");
        assertThat(job.requestedAt()).isEqualTo(Events.T0);
        assertThat(board.job("other")).isEmpty();
    }

    @Test
    void stagesAreListedInPipelineOrderWhateverTheArrivalOrder() {
        board.onStageCompleted(Events.qat("j1"));
        board.onStageCompleted(Events.calibration("j1"));
        board.onProgress(Events.progress("j1", 40));
        board.onStageCompleted(Events.ptq("j1"));

        JobView job = board.job("j1").orElseThrow();
        assertThat(job.state()).isEqualTo(JobState.RUNNING);
        assertThat(job.stages()).extracting(StageView::stage).containsExactly(Stage.CALIBRATION, Stage.PTQ, Stage.QAT);
        assertThat(job.stages().get(0).accuracy()).isEqualTo(90.0);
        assertThat(job.stages().get(0).millis()).isEqualTo(50_000L);
        assertThat(job.progress().percent()).isEqualTo(40);
    }

    @Test
    void aJobCancelledInQatIsReportedCancelledWithWhatTheEarlierStagesMeasured() {
        board.onRequest(Events.request("j9"));
        board.onStageCompleted(Events.calibration("j9"));
        board.onStageCompleted(Events.ptq("j9"));
        board.onStageCompleted(Events.cancelled("j9", Stage.QAT));
        assertThat(board.job("j9").orElseThrow().state()).isEqualTo(JobState.CANCELLED);

        JobBoard.ReportInput input =
                board.onStageCompleted(Events.cancelled("j9", Stage.FINAL_PTQ)).orElseThrow();
        QuantizationReport report = ReportFromStages.build(input);
        assertThat(report.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(report.cancelledStage()).isEqualTo(Stage.QAT);
        assertThat(report.initialAccuracy()).isEqualTo(90.0);
        assertThat(report.ptqAccuracy()).isEqualTo(88.5);
        assertThat(report.qatBestAccuracy()).isNull();
        assertThat(report.finalAccuracy()).isNull();
        assertThat(report.totalImprovement()).isNull();
        assertThat(report.shiftRecords()).isEqualTo(Events.ptq("j9").shiftRecords());
        assertThat(report.stageTimingsMs()).containsKeys("calibration", "ptq", "qat", "final_ptq");
        assertThat(ReportFromStages.summary(input, report).finalAccuracy()).isNull();
        assertThat(ReportFromStages.summary(input, report).status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void theReportIsDueOnceWhenAllFourStagesAreIn() {
        board.onRequest(Events.request("j1"));
        assertThat(board.onStageCompleted(Events.calibration("j1"))).isEmpty();
        assertThat(board.onStageCompleted(Events.ptq("j1"))).isEmpty();
        assertThat(board.onStageCompleted(Events.finalPtq("j1"))).isEmpty();

        JobBoard.ReportInput input = board.onStageCompleted(Events.qat("j1")).orElseThrow();
        assertThat(input.stages()).containsOnlyKeys(Stage.PIPELINE);
        assertThat(input.request()).isNotNull();
        // A redelivered completion while the report is being made, or after, asks for no second one.
        assertThat(board.onStageCompleted(Events.finalPtq("j1"))).isEmpty();
        assertThat(board.onReport(published("j1"))).isTrue();
        assertThat(board.onStageCompleted(Events.finalPtq("j1"))).isEmpty();
        assertThat(board.onReport(published("j1"))).isFalse();
        assertThat(board.job("j1").orElseThrow().state()).isEqualTo(JobState.REPORTED);
    }

    @Test
    void anAbandonedReportCanBeTriedAgain() {
        feedAllStages("j1");
        board.reportAbandoned("j1");

        assertThat(board.onStageCompleted(Events.finalPtq("j1"))).isPresent();
    }

    @Test
    void aReportReadBackFromTheTopicMeansNoNewReport() {
        board.onReport(published("j1"));

        board.onStageCompleted(Events.calibration("j1"));
        board.onStageCompleted(Events.ptq("j1"));
        board.onStageCompleted(Events.qat("j1"));
        assertThat(board.onStageCompleted(Events.finalPtq("j1"))).isEmpty();
    }

    @Test
    void aFailureMarksTheJobFailedWithItsReason() {
        board.onRequest(Events.request("j1"));
        board.onStageCompleted(Events.calibration("j1"));
        board.onFailure(Events.failure("j1"));

        JobView job = board.job("j1").orElseThrow();
        assertThat(job.state()).isEqualTo(JobState.FAILED);
        assertThat(job.reason()).isEqualTo("model weights missing: set model.weights");
        assertThat(job.failures()).hasSize(1);
    }

    @Test
    void jobsAreListedOldestFirst() {
        board.onRequest(Events.request("b"));
        board.onRequest(Events.request("a"));

        assertThat(board.jobs()).extracting(JobView::jobId).containsExactly("b", "a");
    }

    @Test
    void theReportTakesAccuraciesRecordsSizeAndTimingsFromTheStages() {
        JobBoard.ReportInput input = feedAllStages("j1");

        QuantizationReport report = ReportFromStages.build(input);
        assertThat(report.quantizationType()).isEqualTo(QuantizationReport.QUANTIZATION_TYPE);
        assertThat(report.initialAccuracy()).isEqualTo(90.0);
        assertThat(report.ptqAccuracy()).isEqualTo(88.5);
        assertThat(report.qatBestAccuracy()).isEqualTo(89.25);
        assertThat(report.finalAccuracy()).isEqualTo(89.0);
        assertThat(report.totalImprovement()).isEqualTo(-1.0);
        assertThat(report.shiftRecords()).extracting(r -> r.layer()).containsExactly("features.0", "classifier.0");
        assertThat(report.finalQuantizationDetails())
                .containsKeys("features.0.weight", "features.0.input", "features.0.output", "classifier.0.bias");
        assertThat(report.modelSize().compression()).isEqualTo(4.0);
        assertThat(report.qatEpochs()).hasSize(1);
        assertThat(report.stageTimingsMs())
                .containsOnlyKeys(
                        "calibration", "ptq", "qat", "final_ptq", "request_handoff", "kafka_handoffs", "artifact_io");
        // each stage starts 10 s after the request or the previous stage's finish: 1 + 3 hand-offs of 10 s
        assertThat(report.stageTimingsMs())
                .containsEntry("request_handoff", 10_000L)
                .containsEntry("kafka_handoffs", 30_000L)
                .containsEntry("artifact_io", 0L);
        assertThat(report.artifacts()).containsKeys("calibration.model", "final_ptq.model");

        ReportSummary summary = ReportFromStages.summary(input, report);
        assertThat(summary.layers()).isEqualTo(2);
        assertThat(summary.totalMillis()).isEqualTo(240_000L);
    }

    @Test
    void aSkippedQatCountsAsThePtqModel() {
        board.onStageCompleted(Events.calibration("j1"));
        board.onStageCompleted(Events.ptq("j1"));
        board.onStageCompleted(Events.finalPtq("j1"));
        JobBoard.ReportInput input =
                board.onStageCompleted(Events.qatSkipped("j1")).orElseThrow();

        QuantizationReport report = ReportFromStages.build(input);
        assertThat(input.stages().get(Stage.QAT).status()).isEqualTo(StageStatus.SKIPPED);
        assertThat(report.qatBestAccuracy()).isEqualTo(88.5);
        assertThat(report.qatEpochs()).isEmpty();
    }

    private JobBoard.ReportInput feedAllStages(String jobId) {
        board.onRequest(Events.request(jobId));
        board.onStageCompleted(Events.calibration(jobId));
        board.onStageCompleted(Events.ptq(jobId));
        board.onStageCompleted(Events.qat(jobId));
        return board.onStageCompleted(Events.finalPtq(jobId)).orElseThrow();
    }

    private static ReportPublished published(String jobId) {
        return new ReportPublished(
                EventTypes.SCHEMA_VERSION,
                jobId,
                "custom",
                Events.MODEL,
                new ReportSummary(90.0, 88.5, 89.25, 89.0, 2, 1000),
                Instant.now());
    }

    @Test
    void aSubscriberGetsEveryChangeAsASnapshotUntilItUnsubscribes() {
        java.util.List<JobView> seen = new java.util.ArrayList<>();
        Runnable stop = board.subscribe(seen::add);

        board.onRequest(Events.request("j1"));
        board.onProgress(Events.progress("j1", 10));
        board.onStageCompleted(Events.calibration("j1"));
        board.onFailure(Events.failure("j1"));
        stop.run();
        board.onProgress(Events.progress("j1", 20));

        assertThat(seen)
                .extracting(JobView::state)
                .containsExactly(JobState.REQUESTED, JobState.RUNNING, JobState.RUNNING, JobState.FAILED);
        assertThat(seen.get(1).progress().percent()).isEqualTo(10);
        assertThat(seen.get(0).setup().model()).isEqualTo("VGGSmall");
        assertThat(seen.get(0).setup().weightBits()).isEqualTo(8);
    }

    @Test
    void progressHistoryKeepsTheNewestEventsInArrivalOrder() {
        for (int i = 0; i < JobBoard.PROGRESS_HISTORY + 5; i++) {
            board.onProgress(Events.progress("j1", i));
        }

        java.util.List<io.shiftq.schema.event.StageProgress> history =
                board.progressHistory("j1").orElseThrow();
        assertThat(history).hasSize(JobBoard.PROGRESS_HISTORY);
        assertThat(history.get(0).percent()).isEqualTo(5);
        assertThat(history.get(history.size() - 1).percent()).isEqualTo(JobBoard.PROGRESS_HISTORY + 4);
        assertThat(board.progressHistory("other")).isEmpty();
    }

    @Test
    void aQueuedOrRunningJobWhoseNextStageHasNobodySaysSoAndTheNoticeGoesWhenAWorkerJoins() {
        QuantizationRequested aimet = new QuantizationRequested(
                EventTypes.SCHEMA_VERSION, "job-aimet", ShiftqEvent.AIMET, Events.T0, Events.CONFIG);
        board.onRequest(aimet);
        board.onRequest(Events.request("job-custom"));
        board.onStageCompleted(Events.calibration("job-custom"));
        board.onRequest(Events.request("job-failed"));
        board.onFailure(Events.failure("job-failed"));
        List<JobView> pushed = new ArrayList<>();
        board.subscribe(pushed::add);
        assertThat(board.job("job-aimet").orElseThrow().notice())
                .as("while unknown")
                .isNull();

        Map<String, Integer> nobody = new HashMap<>();
        Workers.allGroups().forEach(g -> nobody.put(g, 0));
        board.onWorkers(nobody);
        assertThat(board.job("job-aimet").orElseThrow().notice()).startsWith("no aimet worker is running");
        assertThat(board.job("job-custom").orElseThrow().notice()).startsWith("no ptq service is running");
        assertThat(board.job("job-failed").orElseThrow().notice()).isNull();
        assertThat(pushed).extracting(JobView::jobId).containsExactly("job-aimet", "job-custom");

        nobody.put(Workers.AIMET_GROUP, 1);
        board.onWorkers(nobody);
        assertThat(board.job("job-aimet").orElseThrow().notice()).isNull();
        assertThat(board.job("job-custom").orElseThrow().notice()).isNotNull();
    }
}
