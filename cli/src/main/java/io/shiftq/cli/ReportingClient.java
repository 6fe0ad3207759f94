package io.shiftq.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.shiftq.schema.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** The reporting service's REST API as the CLI calls it: one request, its status and body. */
final class ReportingClient {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    /** An answer of the service. */
    record Answer(int status, String body) {

        /** The body as JSON; a missing node when it is not JSON (a proxy's error page, say). */
        JsonNode json() {
            try {
                return Json.mapper().readTree(body);
            } catch (JsonProcessingException e) {
                return MissingNode.getInstance();
            }
        }
    }

    private final String url;

    ReportingClient(String url) {
        this.url = url.replaceAll("/+$", "");
    }

    /** The service's base URL, for messages. */
    String url() {
        return url;
    }

    /**
     * GET; empty after printing to {@code err} why the service could not be reached, followed by {@code hint}.
     */
    Optional<Answer> get(String path, PrintStream err, String hint) {
        return send(request(path).GET().build(), err, hint);
    }

    /** DELETE; empty after printing to {@code err} why the service could not be reached. */
    Optional<Answer> delete(String path, PrintStream err) {
        return send(request(path).DELETE().build(), err, "");
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(url + path)).timeout(TIMEOUT).header("Accept", "application/json");
    }

    private Optional<Answer> send(HttpRequest request, PrintStream err, String hint) {
        try {
            HttpResponse<String> response =
                    HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            return Optional.of(new Answer(response.statusCode(), response.body()));
        } catch (IOException e) {
            err.println("shiftq: cannot reach the reporting service at " + url + ": " + e + " (--reporting URL or $"
                    + Main.ENV_REPORTING + ")" + hint);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }
}
