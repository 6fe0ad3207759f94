package io.shiftq.e2e;

import static org.assertj.core.api.Assertions.fail;

import io.shiftq.cli.Main;
import io.shiftq.messaging.KafkaClientConfigSource;
import io.shiftq.schema.event.Topics;
import io.shiftq.testsupport.KafkaBroker;
import io.shiftq.testsupport.SecuredBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
 * The packaged services (quarkus-run.jar) as separate processes on a real broker, the way a user runs them; one
 * instance per name, so {@code qat} and {@code qat-2} are two replicas of the QAT service.
 */
final class PackagedServices implements AutoCloseable {

    /** The five services of a job, in pipeline order. */
    static final List<String> ALL = List.of("calibration", "ptq", "qat", "final-ptq", "reporting");

    private static final Path ROOT = Path.of(System.getProperty("shiftq.repo.root", ".."))
            .toAbsolutePath()
            .normalize();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Path work;
    private final String bootstrap;
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, Process> processes = new LinkedHashMap<>();
    // Null on a PLAINTEXT broker; else each service signs in as its own principal, the CLI as cli.
    private final SecuredBroker secured;

    private PackagedServices(Path work, String bootstrap, SecuredBroker secured) {
        this.work = work;
        this.bootstrap = bootstrap;
        this.secured = secured;
    }

    /** Starts a broker (or takes $KAFKA_BOOTSTRAP_SERVERS), creates the topics and starts these instances. */
    static PackagedServices start(Path work, List<String> instances) throws IOException {
        checkJars(instances);
        String bootstrap = KafkaBroker.bootstrapServers();
        KafkaBroker.createTopics(bootstrap, Topics.ALL, 2);
        return launchAll(new PackagedServices(work, bootstrap, null), instances);
    }

    /**
     * Starts a secured broker of its own (SASL_SSL, ACLs; {@link KafkaBroker#startSecured()}) and these instances on
     * it, each with its service's principal.
     */
    static PackagedServices startSecured(Path work, List<String> instances) throws IOException {
        checkJars(instances);
        SecuredBroker broker = KafkaBroker.startSecured();
        return launchAll(new PackagedServices(work, broker.bootstrap(), broker), instances);
    }

    private static PackagedServices launchAll(PackagedServices services, List<String> instances) throws IOException {
        Files.createDirectories(services.work.resolve("logs"));
        for (String instance : instances) {
            services.launch(instance);
        }
        for (String instance : instances) {
            services.awaitReady(instance);
        }
        return services;
    }

    private static void checkJars(List<String> instances) {
        List<String> missing = instances.stream()
                .map(PackagedServices::jarOf)
                .filter(j -> !Files.isRegularFile(j))
                .map(Path::toString)
                .toList();
        if (!missing.isEmpty()) {
            fail("the test launches the packaged services, and these jars are missing: " + missing
                    + " -- build them first with `mvn -B -DskipTests install` from " + ROOT);
        }
    }

    /** The repository the jars and scripts are in. */
    static Path root() {
        return ROOT;
    }

    /** The broker the services use. */
    String bootstrap() {
        return bootstrap;
    }

    /** The shared artifact store. */
    Path artifacts() {
        return work.resolve("artifacts");
    }

    /** Starts one instance, e.g. {@code qat-2}: the service is the name without a trailing {@code -<n>}. */
    void launch(String instance) throws IOException {
        int port = ports.containsKey(instance) ? ports.get(instance) : freePort();
        ports.put(instance, port);
        ProcessBuilder pb = new ProcessBuilder(
                        "java",
                        "-Dai.djl.offline=true",
                        "-Dai.djl.default_engine=PyTorch",
                        "-Xmx2g",
                        "-jar",
                        jarOf(instance).toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        work.resolve("logs/" + instance + ".log").toFile()));
        pb.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        if (secured != null) {
            pb.environment()
                    .put(
                            KafkaClientConfigSource.ENV,
                            secured.clientConfig(serviceOf(instance)).toString());
        }
        pb.environment().put("SHIFTQ_ARTIFACTS_ROOT", artifacts().toString());
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        // As scripts/demo.sh and the images: libtorch's OpenMP threads sleep between operations, not spin,
        // and glibc's malloc keeps the memory libtorch frees (scripts/lib.sh, engine_env).
        pb.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
        pb.environment().putIfAbsent("MALLOC_MMAP_THRESHOLD_", "33554432");
        pb.environment().putIfAbsent("MALLOC_TRIM_THRESHOLD_", "4294967296");
        processes.put(instance, pb.start());
    }

    /** Waits until the instance answers its readiness check. */
    void awaitReady(String instance) {
        Process process = processes.get(instance);
        Awaitility.await(instance + " ready")
                .atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    if (!process.isAlive()) {
                        fail(instance + " exited during start-up; see " + work.resolve("logs/" + instance + ".log"));
                    }
                    return ready(instance);
                });
    }

    /** SIGKILL: the process gets no chance to finish or commit anything. */
    void kill(String instance) throws InterruptedException {
        Process process = processes.get(instance);
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    /** http://127.0.0.1:PORT of an instance. */
    String url(String instance) {
        return "http://127.0.0.1:" + ports.get(instance);
    }

    /** GET on an instance's HTTP port. */
    HttpResponse<String> get(String instance, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url(instance) + path))
                .timeout(Duration.ofSeconds(10))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Runs the CLI against the services' broker and reporting service; prints its standard output. */
    int cli(String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap", bootstrap));
        if (ports.containsKey("reporting")) {
            all.addAll(List.of("--reporting", url("reporting")));
        }
        if (secured != null) {
            all.addAll(List.of("--kafka-config", secured.clientConfig("cli").toString()));
        }
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.run(
                all.toArray(String[]::new), Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        System.out.print(out.toString(StandardCharsets.UTF_8));
        return code;
    }

    @Override
    public void close() {
        processes.values().forEach(Process::destroy);
        for (Process p : processes.values()) {
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean ready(String instance) throws InterruptedException {
        try {
            return get(instance, "/q/health/ready").statusCode() == 200;
        } catch (IOException notListeningYet) {
            return false;
        }
    }

    private static String serviceOf(String instance) {
        return instance.replaceFirst("-\\d+$", "");
    }

    private static Path jarOf(String instance) {
        String service = serviceOf(instance);
        return ROOT.resolve("services").resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
