package io.shiftq.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.awaitility.Awaitility;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Gives tests the address of a real Kafka broker: one named in the environment, else a
 * Testcontainers broker where a Docker engine answers, else one started from
 * {@code scripts/kafka.sh} on free ports and stopped when this JVM exits.
 */
public final class KafkaBroker {

    /** Environment variable that names an existing broker; wins over everything else. */
    public static final String ENV_BOOTSTRAP = "KAFKA_BOOTSTRAP_SERVERS";
    /** System property that names an existing broker (the same key Quarkus reads). */
    public static final String PROPERTY_BOOTSTRAP = "kafka.bootstrap.servers";

    // Same image family as the Apache distribution the script runs, and the same release as
    // the kafka-clients version the Quarkus BOM manages, so both paths test one broker.
    private static final String KAFKA_IMAGE = "apache/kafka:4.1.2";
    // A cold start downloads about 45 MB of jars through Maven first.
    private static final Duration SCRIPT_START_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration SCRIPT_STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration TOPICS_TIMEOUT = Duration.ofSeconds(60);

    private static String bootstrapServers;
    private static SecuredBroker securedBroker;

    private KafkaBroker() {}

    /**
     * Returns the bootstrap address of a running broker, starting one on the first call when
     * none is named; later calls in the same JVM return the same address.
     *
     * @return a bootstrap address such as {@code 127.0.0.1:40123}
     */
    public static synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            bootstrapServers = resolve();
        }
        return bootstrapServers;
    }

    private static String resolve() {
        String named = firstNonBlank(System.getenv(ENV_BOOTSTRAP), System.getProperty(PROPERTY_BOOTSTRAP));
        if (named != null) {
            return named;
        }
        if (dockerAnswers()) {
            // Kept in its own class so that Testcontainers is never loaded without Docker.
            return ContainerBroker.start(KAFKA_IMAGE);
        }
        return startWithScript();
    }

    private static String firstNonBlank(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value.trim();
            }
        }
        return null;
    }

    /**
     * Asks {@code docker info} rather than Testcontainers, because Testcontainers' own probe
     * logs long stack traces and can take many seconds where only the CLI is installed.
     */
    private static boolean dockerAnswers() {
        Process process;
        try {
            process = new ProcessBuilder("docker", "info")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException noDockerCli) {
            return false;
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Starts a broker of its own in the secured mode of {@code scripts/kafka.sh} (SASL_SSL, SCRAM users, ACLs from
     * {@code scripts/kafka/acls.txt}, the shiftq topics created), on free ports, stopped when this JVM exits. Never
     * the broker the environment names: that one is PLAINTEXT.
     */
    public static synchronized SecuredBroker startSecured() {
        if (securedBroker == null) {
            Path home = startWithScript("sasl_ssl");
            String port = home.getFileName().toString().replace("test-", "");
            securedBroker = new SecuredBroker("127.0.0.1:" + port, home.resolve("clients"));
        }
        return securedBroker;
    }

    private static String startWithScript() {
        String port = startWithScript("plaintext").getFileName().toString().replace("test-", "");
        return "127.0.0.1:" + port;
    }

    /** Starts a broker with scripts/kafka.sh and returns its state directory, named test-PORT. */
    private static Path startWithScript(String security) {
        Path repoRoot = findRepoRoot();
        Path script = repoRoot.resolve("scripts/kafka.sh");
        int port = freePort();
        int controllerPort = freePort();
        // A state directory of its own, so that this broker never collides with a developer's
        // broker in .kafka/ nor with another test JVM; the jar cache in .kafka/libs is shared.
        Path home = repoRoot.resolve(".kafka").resolve("test-" + port);
        Map<String, String> env = Map.of(
                "KAFKA_HOME_DIR", home.toString(),
                "KAFKA_PORT", Integer.toString(port),
                "KAFKA_CONTROLLER_PORT", Integer.toString(controllerPort),
                "KAFKA_SECURITY", security,
                // The secured start also makes certificates and ACLs: more than the script's default minute on a
                // loaded machine.
                "KAFKA_START_TIMEOUT", security.equals("plaintext") ? "60" : "240",
                // Lets the script's watchdog stop the broker if this JVM dies without its hooks.
                "KAFKA_OWNER_PID", Long.toString(ProcessHandle.current().pid()));
        String output = runScript(script, "start", env, SCRIPT_START_TIMEOUT);
        // Register before checking the output: if start half-worked, the broker still goes.
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                runScript(script, "stop", env, SCRIPT_STOP_TIMEOUT);
                                deleteRecursively(home);
                            } catch (RuntimeException e) {
                                // Keep the state for a look at broker.log when the stop went wrong.
                                System.err.println("KafkaBroker: stopping the test broker failed: " + e.getMessage());
                            }
                        },
                        "kafka-broker-stop"));
        String expected = "127.0.0.1:" + port;
        if (!output.lines().anyMatch(expected::equals)) {
            throw new IllegalStateException("scripts/kafka.sh start did not report " + expected + ":\n" + output);
        }
        return home;
    }

    /** Walks up from the working directory, since Surefire runs each module in its own folder. */
    private static Path findRepoRoot() {
        Path start = Paths.get(System.getProperty("user.dir")).toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("scripts/kafka.sh"))) {
                return dir;
            }
        }
        throw new IllegalStateException(
                "no scripts/kafka.sh above " + start + "; set " + ENV_BOOTSTRAP + " to use an existing broker");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }

    /**
     * Runs the script with its output in a file rather than a pipe: the broker it starts keeps
     * the inherited descriptors open, and a pipe would then never reach end-of-file.
     */
    private static String runScript(Path script, String command, Map<String, String> env, Duration timeout) {
        Path log = null;
        try {
            log = Files.createTempFile("kafka-sh-" + command, ".log");
            ProcessBuilder builder = new ProcessBuilder("bash", script.toString(), command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().putAll(env);
            // The broker should run on the same Java as the tests, not whatever java is first on PATH.
            builder.environment().putIfAbsent("JAVA_HOME", System.getProperty("java.home"));
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("scripts/kafka.sh " + command + " took longer than " + timeout + ":\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(
                        "scripts/kafka.sh " + command + " exited with " + process.exitValue() + ":\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running scripts/kafka.sh " + command, e);
        } finally {
            if (log != null) {
                try {
                    Files.deleteIfExists(log);
                } catch (IOException ignored) {
                    // A leftover temp file is harmless.
                }
            }
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // Runs in a shutdown hook: the state lies under the ignored .kafka/ folder anyway.
        }
    }

    /**
     * Creates those of the topics that do not exist yet and waits until every one of them has
     * a leader for each partition, so that a producer right after this call does not race
     * the broker's metadata.
     *
     * @param bootstrap  bootstrap address of the broker
     * @param topics     topic names
     * @param partitions partition count for the topics that get created
     */
    public static void createTopics(String bootstrap, Collection<String> topics, int partitions) {
        createTopics(bootstrap, new Properties(), topics, partitions);
    }

    /**
     * As {@link #createTopics(String, Collection, int)}, with client properties (a secured broker's admin's).
     *
     * @param client security.protocol, sasl.*, ssl.* of a principal that may create topics
     */
    public static void createTopics(String bootstrap, Properties client, Collection<String> topics, int partitions) {
        Properties config = new Properties();
        config.putAll(client);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        try (Admin admin = Admin.create(config)) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : topics) {
                if (!existing.contains(topic)) {
                    // Broker-default replication factor: 1 on a single node, more on a real cluster.
                    missing.add(new NewTopic(topic, Optional.of(partitions), Optional.empty()));
                }
            }
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get();
                } catch (ExecutionException e) {
                    // Another test may create the same topic at the same moment; that is fine.
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            Awaitility.await("topics " + topics + " with leaders on " + bootstrap)
                    .atMost(TOPICS_TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .until(() ->
                            allLed(admin.describeTopics(topics).allTopicNames().get()));
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not create topics " + topics + " on " + bootstrap, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics " + topics, e);
        }
    }

    private static boolean allLed(Map<String, TopicDescription> descriptions) {
        return descriptions.values().stream()
                .flatMap(description -> description.partitions().stream())
                .allMatch(partition ->
                        partition.leader() != null && !partition.leader().isEmpty());
    }

    /** Testcontainers path; loaded only when a Docker engine answers. */
    private static final class ContainerBroker {

        private ContainerBroker() {}

        static String start(String image) {
            // Testcontainers' Ryuk container removes the broker when this JVM exits.
            KafkaContainer container = new KafkaContainer(DockerImageName.parse(image));
            container.start();
            return container.getBootstrapServers();
        }
    }
}
