package io.shiftq.reporting;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.shiftq.messaging.Channels;
import io.shiftq.messaging.CloudEventHeaders;
import io.shiftq.schema.Json;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.QuantizationRequested;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySink;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

/** The page's server side with its channels in memory: static files, the form, server-sent events, history. */
@QuarkusTest
@QuarkusTestResource(InMemoryChannels.class)
class PageServiceTest {

    @Inject
    @Any
    InMemoryConnector connector;

    @TestHTTPResource("/")
    URL root;

    @Test
    void thePageAndItsChartLibraryAreServedByTheServiceItself() {
        given().get("/").then().statusCode(200).body(containsString("<h1>shiftq jobs</h1>"));
        given().get("/job.html").then().statusCode(200).body(containsString("vendor/chart.umd.min.js"));
        given().get("/vendor/chart.umd.min.js").then().statusCode(200).body(containsString("Chart.js v4.5.1"));
    }

    @Test
    void aBadFormIsRefusedWithEachProblemUnderItsFieldAndNothingIsPublished() {
        InMemorySink<String> requests = connector.sink(Channels.REQUESTS_OUT);
        requests.clear();
        given().contentType(ContentType.JSON)
                .body(Map.of(
                        "job_id", "bad id",
                        "variant", "tflite",
                        "config", "model:\n  name: LeNet5\nquantization:\n  weight:\n    bitwidth: 40\n"))
                .post("/jobs")
                .then()
                .statusCode(400)
                .body("problems.field", Matchers.contains("job_id", "variant", "config"))
                .body("problems[1].message", equalTo("variant: 'tflite' is not one of custom, aimet"))
                .body("problems[2].key", equalTo("quantization.weight.bitwidth"))
                .body(
                        "problems[2].message",
                        equalTo("quantization.weight.bitwidth: 40 is outside the allowed range 2..32"));
        given().contentType(ContentType.JSON)
                .body(Map.of("config", "model: [unclosed"))
                .post("/jobs")
                .then()
                .statusCode(400)
                .body("problems[0].field", equalTo("config"))
                .body("problems[0].message", Matchers.startsWith("yaml"));
        assertThat(requests.received()).isEmpty();
    }

    @Test
    void aGoodFormPublishesTheRequestTheCliWouldWithItsCloudEventType() {
        InMemorySink<String> requests = connector.sink(Channels.REQUESTS_OUT);
        requests.clear();
        given().contentType(ContentType.JSON)
                .body(Map.of("job_id", "form-1", "config", "model:\n  name: LeNet5\ntraining:\n  epochs: 0\n"))
                .post("/jobs")
                .then()
                .statusCode(202)
                .body("job_id", equalTo("form-1"));

        assertThat(requests.received()).hasSize(1);
        Message<String> message = requests.received().get(0);
        QuantizationRequested request = Json.read(message.getPayload(), QuantizationRequested.class);
        assertThat(request.jobId()).isEqualTo("form-1");
        assertThat(request.variant()).isEqualTo("custom");
        assertThat(request.config().model().name()).isEqualTo("LeNet5");
        assertThat(request.config().training().epochs()).isZero();
        assertThat(message.getMetadata(OutgoingKafkaRecordMetadata.class)).hasValueSatisfying(kafka -> {
            assertThat(kafka.getKey()).isEqualTo("form-1");
            assertThat(CloudEventHeaders.read(kafka.getHeaders(), EventTypes.HEADER_TYPE))
                    .isEqualTo(EventTypes.QUANTIZATION_REQUESTED);
            assertThat(CloudEventHeaders.read(kafka.getHeaders(), EventTypes.HEADER_SOURCE))
                    .isEqualTo("/shiftq/reporting");
        });
    }

    @Test
    void progressIsPushedAsServerSentEventsAndKeptAsHistory() throws Exception {
        String job = "job-sse-" + System.nanoTime();
        connector.source(Channels.REQUESTS).send(Json.write(Events.request(job)));
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> given().get("/jobs/{id}", job).then().statusCode(200));

        List<String> data = new CopyOnWriteArrayList<>();
        HttpRequest open = HttpRequest.newBuilder(URI.create(root + "job-events/" + job))
                .header("Accept", "text/event-stream")
                .build();
        HttpResponse<Stream<String>> stream =
                HttpClient.newHttpClient().send(open, HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.headers().firstValue("content-type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        Thread reader = new Thread(
                () -> stream.body().filter(l -> l.startsWith("data:")).forEach(data::add));
        reader.setDaemon(true);
        reader.start();

        // The current snapshot first, then one event per change.
        await().atMost(Duration.ofSeconds(10)).until(() -> data.size() >= 1);
        assertThat(data.get(0)).contains("\"state\":\"REQUESTED\"");
        connector.source(Channels.PROGRESS).send(Json.write(Events.progress(job, 30)));
        connector.source(Channels.PROGRESS).send(Json.write(Events.progress(job, 70)));
        await().atMost(Duration.ofSeconds(10)).until(() -> data.stream().anyMatch(d -> d.contains("\"percent\":70.0")));
        assertThat(data.get(data.size() - 1)).contains("\"state\":\"RUNNING\"");
        stream.body().close();

        given().get("/jobs/{id}/progress", job).then().statusCode(200).body("percent", Matchers.contains(30.0f, 70.0f));
        given().get("/jobs/{id}/progress", "never-seen").then().statusCode(404);
    }

    @Test
    void anArtifactOfAJobWithoutAReportIsNotFoundWithTheReason() {
        String job = "job-no-report-" + System.nanoTime();
        connector.source(Channels.REQUESTS).send(Json.write(Events.request(job)));
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> given().get("/jobs/{id}/artifacts/{name}", job, "final_ptq.weights.npz")
                        .then()
                        .statusCode(404)
                        .body("error", containsString("not ready (REQUESTED)")));
    }
}
