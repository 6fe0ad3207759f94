package io.shiftq.messaging;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Where the broker is and how to reach it: the bootstrap address plus client properties in Kafka's own names
 * ({@code security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config}, {@code ssl.truststore.location},
 * ...), read from a file as {@code kafka-console-producer --producer.config} reads one, or from a directory with a file
 * per key.
 *
 * @param bootstrap host:port list
 * @param client extra client properties, applied to every producer and consumer the CLI opens
 */
public record KafkaSettings(String bootstrap, Properties client) {

    /** The broker at {@code bootstrap} with no extra client properties (PLAINTEXT). */
    public static KafkaSettings plain(String bootstrap) {
        return new KafkaSettings(bootstrap, new Properties());
    }

    /**
     * The broker at {@code bootstrap} with the client properties in {@code file}.
     *
     * @throws IllegalArgumentException naming the option and the file when it cannot be read
     */
    public static KafkaSettings withConfig(String bootstrap, String file) {
        return new KafkaSettings(bootstrap, clientProperties(file, "--kafka-config"));
    }

    /**
     * The client properties in {@code file}: the one reader of these files, for the CLI and (through
     * {@link KafkaClientConfigSource}) the services.
     *
     * @param origin the option or variable that named the file, for the error message
     * @throws IllegalArgumentException naming the origin and the file when it cannot be read
     */
    public static Properties clientProperties(String file, String origin) {
        Properties client = new Properties();
        Path path = Path.of(file);
        try {
            if (Files.isDirectory(path)) {
                readDirectory(path, client);
            } else {
                try (Reader in = Files.newBufferedReader(path)) {
                    client.load(in);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(origin + ": cannot read '" + file + "': " + e.getMessage(), e);
        }
        return client;
    }

    /**
     * A directory holds one property per file, named by the key (as Kubernetes mounts a Secret or ConfigMap): so a
     * Strimzi user's {@code sasl.jaas.config} and a ConfigMap's other settings can be one projected volume. Dot-files
     * (Kubernetes' {@code ..data}) and subdirectories are not properties.
     */
    private static void readDirectory(Path dir, Properties client) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String key = f.getFileName().toString();
                if (!key.startsWith(".")) {
                    client.setProperty(key, Files.readString(f).strip());
                }
            }
        }
    }

    /** The client properties with the CLI's own settings on top. */
    public Properties with(Properties own) {
        Properties all = new Properties();
        all.putAll(client);
        all.putAll(own);
        return all;
    }
}
