package io.shiftq.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The committed JSON Schemas must be exactly what the generator makes from the records today. */
class SchemaFilesTest {

    private static final Path DIR = Path.of("src", "main", "resources", "schemas");
    private static final String HOW_TO_FIX = "the JSON Schemas are out of date with the records: run "
            + "`mvn -pl shared-schema compile exec:java` (SchemaGenerator) and commit the files";

    @Test
    void committedSchemasMatchTheRecords() throws IOException {
        Map<String, String> generated = SchemaGenerator.generateAll();
        try (Stream<Path> files = Files.list(DIR)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .as(HOW_TO_FIX)
                    .containsExactlyInAnyOrderElementsOf(generated.keySet());
        }
        for (Map.Entry<String, String> schema : generated.entrySet()) {
            assertThat(Files.readString(DIR.resolve(schema.getKey())))
                    .as(HOW_TO_FIX + " (" + schema.getKey() + ")")
                    .isEqualTo(schema.getValue());
        }
    }

    @Test
    void committedTopicPropertiesMatchTopics() throws IOException {
        Path file = DIR.resolveSibling(SchemaGenerator.TOPIC_PROPERTIES);
        assertThat(Files.readString(file))
                .as(HOW_TO_FIX + " (" + file + ")")
                .isEqualTo(SchemaGenerator.topicProperties());
    }

    @Test
    void schemasUseTheWireNames() {
        String report = SchemaGenerator.generateAll().get("quantization-report.schema.json");
        assertThat(report)
                .contains("\"final_quantization_details\"", "\"power_of_2\"", "\"shift_cut\"")
                .doesNotContain("finalQuantizationDetails", "power_of2");
        String config = SchemaGenerator.generateAll().get("quantization-config.schema.json");
        assertThat(config).contains("\"additionalProperties\" : false", "\"default\" : \"VGGSmall\"");
        // data.resize: 256 (the shorter side) is as valid as [224, 224]
        assertThat(config).containsPattern("\"resize\" : \\{\\s*\"anyOf\" : \\[\\s*\\{\\s*\"type\" : \"integer\"");
    }
}
