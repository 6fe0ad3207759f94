package io.shiftq.e2e;

import static org.assertj.core.api.Assertions.fail;

import io.shiftq.schema.event.Topics;
import io.shiftq.testsupport.KafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * The five packaged services as separate processes on a real broker, started once per test JVM and shared by the
 * end-to-end test classes (starting them takes most of a minute on two cores); stopped when the JVM exits.
 */
final class RunningServices {

    static final List<String> SERVICES = List.of("calibration", "ptq", "qat", "final-ptq", "reporting");
    static final Path ROOT = Path.of(System.getProperty("shiftq.repo.root", ".."))
            .toAbsolutePath()
            .normalize();
    static final Path WORK = Path.of("target/e2e").toAbsolutePath();
    static final Path ARTIFACTS = WORK.resolve("artifacts");

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static RunningServices running;

    private final String bootstrap;
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final List<Process> processes = new ArrayList<>();

    private RunningServices(String bootstrap) {
        this.bootstrap = bootstrap;
    }

    /** The services, started on the first call. */
    static synchronized RunningServices get() {
        if (running == null) {
            running = start();
            Runtime.getRuntime().addShutdownHook(new Thread(running::stop));
        }
        return running;
    }

    /** host:port of the broker the services use. */
    String bootstrap() {
        return bootstrap;
    }

    /** http://127.0.0.1:PORT of a service. */
    String url(String service) {
        return "http://127.0.0.1:" + ports.get(service);
    }

    HttpResponse<String> get(String service, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url(service) + path))
                .timeout(Duration.ofSeconds(10))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static RunningServices start() {
        List<String> missing = SERVICES.stream()
                .map(RunningServices::jarOf)
                .filter(j -> !Files.isRegularFile(j))
                .map(Path::toString)
                .toList();
        if (!missing.isEmpty()) {
            fail("the end-to-end tests launch the packaged services, and these jars are missing: " + missing
                    + " -- build them first with `mvn -B -DskipTests package` from " + ROOT);
        }
        String bootstrap = KafkaBroker.bootstrapServers();
        KafkaBroker.createTopics(bootstrap, Topics.ALL, 2);
        RunningServices services = new RunningServices(bootstrap);
        try {
            Files.createDirectories(WORK.resolve("logs"));
            for (String service : SERVICES) {
                services.launch(service);
            }
        } catch (IOException e) {
            services.stop();
            throw new UncheckedIOException(e);
        }
        for (int i = 0; i < SERVICES.size(); i++) {
            services.awaitReady(SERVICES.get(i), services.processes.get(i));
        }
        return services;
    }

    private void launch(String service) throws IOException {
        int port = freePort();
        ports.put(service, port);
        ProcessBuilder pb = new ProcessBuilder(
                        "java",
                        "-Dai.djl.offline=true",
                        "-Dai.djl.default_engine=PyTorch",
                        "-Xmx2g",
                        "-jar",
                        jarOf(service).toString())
                .redirectErrorStream(true)
                .redirectOutput(WORK.resolve("logs/" + service + ".log").toFile());
        pb.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        pb.environment().put("SHIFTQ_ARTIFACTS_ROOT", ARTIFACTS.toString());
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        processes.add(pb.start());
    }

    private void awaitReady(String service, Process process) {
        Awaitility.await(service + " ready")
                .atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    if (!process.isAlive()) {
                        fail(service + " exited during start-up; see " + WORK.resolve("logs/" + service + ".log"));
                    }
                    try {
                        return get(service, "/q/health/ready").statusCode() == 200;
                    } catch (IOException notListeningYet) {
                        return false;
                    }
                });
    }

    private void stop() {
        processes.forEach(Process::destroy);
        for (Process p : processes) {
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Path jarOf(String service) {
        return ROOT.resolve("services").resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
