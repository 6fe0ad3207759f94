package io.shiftq.reporting;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.shiftq.messaging.Channels;
import io.shiftq.schema.Json;
import io.shiftq.schema.event.ReportPublished;
import io.shiftq.schema.report.QuantizationReport;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySink;
import io.smallrye.reactive.messaging.memory.InMemorySource;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import java.time.Duration;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

/** The service with its channels in memory: a synthetic job's events in, the report out over REST and Kafka. */
@QuarkusTest
@QuarkusTestResource(InMemoryChannels.class)
class ReportingServiceTest {

    @Inject
    @Any
    InMemoryConnector connector;

    @Test
    void aFullJobEndsWithOneReportOnRestAndOnTheTopic() {
        // A fresh id per run: report.json files of earlier runs stay in target/test-artifacts.
        String job = "job-full-" + System.nanoTime();
        InMemorySink<String> reports = connector.sink(Channels.REPORTS_OUT);
        send(Channels.REQUESTS, Json.write(Events.request(job)));
        send(Channels.STAGE_DONE, Json.write(Events.calibration(job)));
        send(Channels.PROGRESS, Json.write(Events.progress(job, 50)));
        send(Channels.STAGE_DONE, Json.write(Events.ptq(job)));
        send(Channels.STAGE_DONE, Json.write(Events.qat(job)));

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> given().get("/jobs/{id}/report", job)
                        .then()
                        .statusCode(404)
                        .body("error", containsString("not ready (RUNNING)")));

        send(Channels.STAGE_DONE, Json.write(Events.finalPtq(job)));
        await().atMost(Duration.ofSeconds(10)).until(() -> reportsOf(reports, job) == 1);

        given().get("/jobs/{id}", job)
                .then()
                .statusCode(200)
                .body("state", equalTo("REPORTED"))
                .body("stages.stage", Matchers.contains("calibration", "ptq", "qat", "final_ptq"))
                .body("progress.percent", equalTo(50.0f))
                .body("summary.layers", equalTo(2));
        String body = given().get("/jobs/{id}/report", job)
                .then()
                .statusCode(200)
                .extract()
                .asString();
        QuantizationReport report = Json.read(body, QuantizationReport.class);
        assertThat(report.jobId()).isEqualTo(job);
        assertThat(report.finalAccuracy()).isEqualTo(89.0);
        assertThat(report.pipelineSteps()).isEqualTo(QuantizationReport.PIPELINE_STEPS);
        assertThat(report.shiftRecords()).hasSize(2);

        // A redelivered final stage publishes nothing more.
        send(Channels.STAGE_DONE, Json.write(Events.finalPtq(job)));
        given().get("/jobs").then().statusCode(200).body("job_id", Matchers.hasItem(job));
        assertThat(reportsOf(reports, job)).isEqualTo(1);
    }

    @Test
    void unreadableEventsAreSkippedAndTheNextOnesStillCount() {
        String job = "job-after-garbage";
        send(Channels.REQUESTS, "not json at all");
        send(Channels.STAGE_DONE, "{\"schema_version\":\"1\",\"job_id\":\"x\"}");
        send(Channels.PROGRESS, "[1,2,3]");
        send(Channels.FAILURES, "");
        send(Channels.REPORTS_IN, "{\"schema_version\":\"99\"}");
        send(Channels.REQUESTS, Json.write(Events.request(job)));
        send(Channels.FAILURES, Json.write(Events.failure(job)));

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() ->
                        given().get("/jobs/{id}", job).then().statusCode(200).body("state", equalTo("FAILED")));
        given().get("/jobs/{id}", job).then().statusCode(200).body("reason", containsString("model weights missing"));
        given().get("/jobs/{id}/report", job)
                .then()
                .statusCode(404)
                .body("error", containsString("the job failed: model weights missing"));
        given().get("/jobs/{id}", "never-seen")
                .then()
                .statusCode(404)
                .body("error", containsString("no job 'never-seen'"));
        given().get("/q/metrics").then().statusCode(200).body(containsString("shiftq_reporting_unreadable_total 5.0"));
    }

    @Test
    void deleteRemovesAFinishedJobsFilesAndRefusesUnknownAndRunningOnes() {
        String job = "job-delete-" + System.nanoTime();
        String running = "job-running-" + System.nanoTime();
        send(Channels.REQUESTS, Json.write(Events.request(job)));
        send(Channels.FAILURES, Json.write(Events.failure(job)));
        send(Channels.REQUESTS, Json.write(Events.request(running)));
        send(Channels.STAGE_DONE, Json.write(Events.calibration(running)));
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> given().get("/jobs/{id}", running)
                        .then()
                        .statusCode(200)
                        .body("state", equalTo("RUNNING")));
        given().get("/jobs/{id}", job).then().statusCode(200).body("state", equalTo("FAILED"));

        given().delete("/jobs/{id}", "never-seen").then().statusCode(404);
        given().delete("/jobs/{id}", running)
                .then()
                .statusCode(409)
                .body("error", containsString("is RUNNING; cancel it first (shiftq cancel " + running + ")"));
        given().delete("/jobs/{id}", job).then().statusCode(204);
        given().get("/jobs/{id}", job).then().statusCode(404);
        given().get("/jobs").then().statusCode(200).body("job_id", Matchers.not(Matchers.hasItem(job)));
        given().delete("/jobs/{id}", job).then().statusCode(404);
        send(Channels.PROGRESS, Json.write(Events.progress(job, 10)));
        given().get("/jobs/{id}", job).then().statusCode(404);
    }

    @Test
    void theOpenApiDocumentDescribesTheJobsApi() {
        given().get("/q/openapi").then().statusCode(200).body(containsString("/jobs/{id}/report"));
    }

    private void send(String channel, String payload) {
        InMemorySource<String> source = connector.source(channel);
        source.send(payload);
    }

    private static long reportsOf(InMemorySink<String> sink, String job) {
        return sink.received().stream()
                .map(m -> Json.read(m.getPayload(), ReportPublished.class))
                .filter(r -> r.jobId().equals(job))
                .count();
    }
}
