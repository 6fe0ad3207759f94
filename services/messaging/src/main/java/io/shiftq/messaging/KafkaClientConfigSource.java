package io.shiftq.messaging;

import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Gives the Quarkus services the Kafka client properties file that {@value #ENV} names (the same file and variable as
 * the CLI's: {@code security.protocol}, {@code sasl.*}, {@code ssl.*}), as {@code kafka.*} configuration, which Quarkus
 * applies to every Kafka channel. Found through {@code META-INF/services}; without the variable it is empty, and the
 * services speak PLAINTEXT as before.
 */
public final class KafkaClientConfigSource implements ConfigSource {

    /** The environment variable naming the client properties file. */
    public static final String ENV = "SHIFTQ_KAFKA_CONFIG";

    // Above application.properties (250), so a file a deployment mounts wins over a packaged default; below the
    // environment (300), so one KAFKA_* variable can still override a single setting.
    private static final int ORDINAL = 260;

    private final Map<String, String> properties;

    /** Reads the file {@value #ENV} names, once; fails naming the variable and the file when it cannot. */
    public KafkaClientConfigSource() {
        this(System.getenv(ENV));
    }

    KafkaClientConfigSource(String file) {
        this.properties =
                file == null || file.isBlank() ? Map.of() : prefixed(KafkaSettings.clientProperties(file, ENV));
    }

    private static Map<String, String> prefixed(Properties client) {
        Map<String, String> all = new TreeMap<>();
        client.stringPropertyNames().forEach(name -> all.put("kafka." + name, client.getProperty(name)));
        return Map.copyOf(all);
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return properties.get(propertyName);
    }

    @Override
    public String getName() {
        return "shiftq-kafka-client-config";
    }

    @Override
    public int getOrdinal() {
        return ORDINAL;
    }
}
