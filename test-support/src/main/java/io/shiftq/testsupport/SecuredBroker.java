package io.shiftq.testsupport;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A broker started by {@link KafkaBroker#startSecured()}: its SASL_SSL address, and the client properties file of each
 * principal (the services' names, {@code admin}) that {@code scripts/kafka.sh} wrote.
 *
 * @param bootstrap host:port of the SASL_SSL listener
 * @param clients the folder with one {@code NAME.properties} per principal
 */
public record SecuredBroker(String bootstrap, Path clients) {

    /** The client properties file of a principal, as SHIFTQ_KAFKA_CONFIG and the CLI's --kafka-config take it. */
    public Path clientConfig(String principal) {
        Path file = clients.resolve(principal + ".properties");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no principal '" + principal + "' in " + clients);
        }
        return file;
    }

    /** The client properties of a principal, without the bootstrap address. */
    public Properties client(String principal) {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(clientConfig(principal))) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }
}
