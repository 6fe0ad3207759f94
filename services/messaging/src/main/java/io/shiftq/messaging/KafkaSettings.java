package io.shiftq.messaging;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Where the broker is and how to reach it: the bootstrap address plus client properties in Kafka's own names
 * ({@code security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config}, {@code ssl.truststore.location},
 * ...), read from a file as {@code kafka-console-producer --producer.config} reads one.
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
        Properties client = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of(file))) {
            client.load(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("--kafka-config: cannot read '" + file + "': " + e.getMessage(), e);
        }
        return new KafkaSettings(bootstrap, client);
    }

    /** The client properties with the CLI's own settings on top. */
    public Properties with(Properties own) {
        Properties all = new Properties();
        all.putAll(client);
        all.putAll(own);
        return all;
    }
}
