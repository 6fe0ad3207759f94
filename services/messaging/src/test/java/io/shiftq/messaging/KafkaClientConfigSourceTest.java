package io.shiftq.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClientConfigSourceTest {

    @Test
    void theFileBecomesKafkaConfigurationForEveryChannel(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("calibration.properties");
        Files.writeString(file, """
                security.protocol=SASL_SSL
                sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="calibration" password="p";
                """);
        KafkaClientConfigSource source = new KafkaClientConfigSource(file.toString());
        assertThat(source.getPropertyNames())
                .containsExactlyInAnyOrder("kafka.security.protocol", "kafka.sasl.jaas.config");
        assertThat(source.getValue("kafka.sasl.jaas.config")).endsWith("username=\"calibration\" password=\"p\";");
    }

    @Test
    void aDirectoryHoldsOnePropertyPerFileAsKubernetesMountsThem(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("security.protocol"), "SASL_SSL\n");
        Files.writeString(
                dir.resolve("sasl.jaas.config"),
                "org.apache.kafka.common.security.scram.ScramLoginModule"
                        + " required username=\"qat\" password=\"p\";");
        Files.createDirectories(dir.resolve("..2026_12_03"));
        Files.writeString(dir.resolve(".hidden"), "x");
        KafkaClientConfigSource source = new KafkaClientConfigSource(dir.toString());
        assertThat(source.getPropertyNames())
                .containsExactlyInAnyOrder("kafka.security.protocol", "kafka.sasl.jaas.config");
        assertThat(source.getValue("kafka.security.protocol")).isEqualTo("SASL_SSL");
    }

    @Test
    void withoutTheVariableTheServicesStayPlaintext() {
        assertThat(new KafkaClientConfigSource(null).getPropertyNames()).isEmpty();
    }

    @Test
    void anUnreadableFileNamesTheVariable(@TempDir Path dir) {
        assertThatThrownBy(
                        () -> new KafkaClientConfigSource(dir.resolve("missing").toString()))
                .hasMessageContaining("SHIFTQ_KAFKA_CONFIG")
                .hasMessageContaining("missing");
    }
}
