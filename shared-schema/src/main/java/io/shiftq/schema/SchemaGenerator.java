package io.shiftq.schema;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.victools.jsonschema.generator.FieldScope;
import com.github.victools.jsonschema.generator.Option;
import com.github.victools.jsonschema.generator.OptionPreset;
import com.github.victools.jsonschema.generator.SchemaGeneratorConfigBuilder;
import com.github.victools.jsonschema.generator.SchemaVersion;
import com.github.victools.jsonschema.module.jackson.JacksonModule;
import com.github.victools.jsonschema.module.jackson.JacksonOption;
import io.shiftq.schema.config.DataConfig;
import io.shiftq.schema.config.OptimizerConfig;
import io.shiftq.schema.config.PtqConfig;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.config.SchedulerConfig;
import io.shiftq.schema.config.TargetConfig;
import io.shiftq.schema.config.TensorQuantConfig;
import io.shiftq.schema.config.TrainingConfig;
import io.shiftq.schema.event.CancelRequested;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.JobIds;
import io.shiftq.schema.event.QuantizationRequested;
import io.shiftq.schema.event.ReportPublished;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.StageFailed;
import io.shiftq.schema.event.StageProgress;
import io.shiftq.schema.event.Topics;
import io.shiftq.schema.report.QuantizationReport;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the JSON Schemas (draft 2020-12) of the events, the config and the report into
 * {@code src/main/resources/schemas}, for the Python worker and other non-Java clients. The files are
 * generated only: change the records, then run {@code mvn -pl shared-schema compile exec:java}.
 */
public final class SchemaGenerator {

    /** The records that get a schema, by file name. */
    public static final Map<String, Class<?>> SCHEMAS = schemas();

    private SchemaGenerator() {}

    private static Map<String, Class<?>> schemas() {
        Map<String, Class<?>> schemas = new LinkedHashMap<>();
        schemas.put("quantization-requested.schema.json", QuantizationRequested.class);
        schemas.put("stage-completed.schema.json", StageCompleted.class);
        schemas.put("stage-progress.schema.json", StageProgress.class);
        schemas.put("stage-failed.schema.json", StageFailed.class);
        schemas.put("report-published.schema.json", ReportPublished.class);
        schemas.put("cancel-requested.schema.json", CancelRequested.class);
        schemas.put("quantization-config.schema.json", QuantizationConfig.class);
        schemas.put("quantization-report.schema.json", QuantizationReport.class);
        return schemas;
    }

    /** Writes every schema into the directory given as the first argument. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: SchemaGenerator <output directory>");
        }
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (Map.Entry<String, String> schema : generateAll().entrySet()) {
            Files.writeString(dir.resolve(schema.getKey()), schema.getValue());
            System.out.println("wrote " + dir.resolve(schema.getKey()));
        }
        Path properties = dir.resolveSibling(TOPIC_PROPERTIES);
        Files.createDirectories(properties.getParent());
        Files.writeString(properties, topicProperties());
        System.out.println("wrote " + properties);
    }

    /** Where the topic properties go, relative to the resources directory. */
    public static final String TOPIC_PROPERTIES = "META-INF/microprofile-config.properties";

    /**
     * The topic names as MicroProfile Config properties ({@code shiftq-topic.<key>=<topic>}), which every Quarkus
     * service reads from this module's jar; generated from {@link Topics} so the names stand in one place. The root
     * is not {@code shiftq.}: the services' config mapping of {@code shiftq.*} refuses keys it does not map.
     */
    public static String topicProperties() {
        StringBuilder out =
                new StringBuilder("# Generated from io.shiftq.schema.event.Topics by SchemaGenerator: do not"
                        + " edit.\n# Services name a topic as ${shiftq-topic.<key>}.\n");
        Topics.byKey()
                .forEach((key, topic) -> out.append("shiftq-topic.")
                        .append(key)
                        .append('=')
                        .append(topic)
                        .append('\n'));
        return out.toString();
    }

    /** Every schema's file name and text (indented JSON ending with a newline). */
    public static Map<String, String> generateAll() {
        com.github.victools.jsonschema.generator.SchemaGenerator generator = newGenerator();
        Map<String, String> files = new LinkedHashMap<>();
        files.put("topics.json", Json.writePretty(Topics.byKey()) + "\n");
        files.put("conventions.json", Json.writePretty(Conventions.all()) + "\n");
        SCHEMAS.forEach((file, type) -> {
            ObjectNode schema = generator.generateSchema(type);
            files.put(file, render(file, type, type == QuantizationConfig.class ? withResizeForms(schema) : schema));
        });
        return files;
    }

    private static String render(String file, Class<?> type, ObjectNode schema) {
        ObjectNode ordered = Json.mapper().createObjectNode();
        ordered.put("$schema", SchemaVersion.DRAFT_2020_12.getIdentifier());
        ordered.put("$id", "urn:shiftq:schema:" + file);
        ordered.put("title", type.getSimpleName());
        ordered.setAll(schema);
        return Json.writePretty(ordered) + "\n";
    }

    private static com.github.victools.jsonschema.generator.SchemaGenerator newGenerator() {
        SchemaGeneratorConfigBuilder config = new SchemaGeneratorConfigBuilder(
                        Json.mapper(), SchemaVersion.DRAFT_2020_12, OptionPreset.PLAIN_JSON)
                .with(new JacksonModule(
                        JacksonOption.FLATTENED_ENUMS_FROM_JSONVALUE, JacksonOption.RESPECT_JSONPROPERTY_REQUIRED))
                .with(Option.MAP_VALUES_AS_ADDITIONAL_PROPERTIES);
        config.forFields()
                // The shared mapper writes snake_case; the schema must name properties as they travel.
                .withPropertyNameOverrideResolver(SchemaGenerator::propertyName)
                .withDefaultResolver(SchemaGenerator::configDefault)
                .withEnumResolver(SchemaGenerator::allowedValues)
                .withStringPatternResolver(field -> isEventField(field, "jobId") ? "^" + JobIds.PATTERN + "$" : null);
        config.forTypesInGeneral()
                // Record component order, as the JSON is written, instead of the library's alphabetical order.
                .withPropertySorter((a, b) -> 0)
                // Config keys are checked strictly (a typo is an error); events tolerate fields added later.
                .withAdditionalPropertiesResolver(
                        scope -> isConfig(scope.getType().getErasedType()) ? Void.class : null);
        return new com.github.victools.jsonschema.generator.SchemaGenerator(config.build());
    }

    /** The same allowed-value lists the Java validation uses, so clients can check before sending. */
    private static List<?> allowedValues(FieldScope field) {
        if (isEventField(field, "schemaVersion")) {
            return List.of(EventTypes.SCHEMA_VERSION);
        } else if (isEventField(field, "variant")) {
            return ShiftqEvent.VARIANTS;
        }
        Class<?> owner = field.getDeclaringType().getErasedType();
        String name = field.getDeclaredName();
        if ((owner == OptimizerConfig.class || owner == SchedulerConfig.class) && name.equals("type")) {
            return owner == OptimizerConfig.class ? OptimizerConfig.TYPES : SchedulerConfig.TYPES;
        } else if (owner == TrainingConfig.class && name.equals("criterion")) {
            return TrainingConfig.CRITERIA;
        } else if (owner == TrainingConfig.class && name.equals("thresholds")) {
            return TrainingConfig.THRESHOLDS;
        } else if (owner == PtqConfig.class && name.equals("rounding")) {
            return PtqConfig.ROUNDINGS;
        } else if (owner == TensorQuantConfig.class && name.equals("rounding")) {
            return TensorQuantConfig.ROUNDINGS;
        } else if (owner == TargetConfig.class && name.equals("profile")) {
            return TargetConfig.PROFILE_NAMES;
        }
        return null;
    }

    /**
     * {@code data.resize} is a list in the record but, as torchvision's {@code Resize}, also one number (the shorter
     * side): the YAML {@code resize: 256} is valid, so the config schema says both forms and their bounds.
     */
    private static ObjectNode withResizeForms(ObjectNode config) {
        ObjectNode data = (ObjectNode) config.path("properties").path("data").path("properties");
        ObjectNode side = Json.mapper()
                .createObjectNode()
                .put("type", "integer")
                .put("minimum", 1)
                .put("maximum", DataConfig.MAX_RESIZE);
        ObjectNode resize = data.putObject("resize");
        ArrayNode forms = resize.putArray("anyOf");
        forms.add(side);
        forms.addObject()
                .put("type", "array")
                .put("minItems", 1)
                .put("maxItems", 2)
                .set("items", side.deepCopy());
        return config;
    }

    private static boolean isEventField(FieldScope field, String name) {
        return ShiftqEvent.class.isAssignableFrom(field.getDeclaringType().getErasedType())
                && field.getDeclaredName().equals(name);
    }

    private static String propertyName(FieldScope field) {
        JsonProperty property = field.getAnnotation(JsonProperty.class);
        return property != null && !property.value().isEmpty()
                ? property.value()
                : Json.snakeCase(field.getDeclaredName());
    }

    /**
     * The default of a scalar config key, read from its section's {@code defaults()}; none for sections
     * (they are objects) and for tensor settings (their defaults depend on the role).
     */
    private static Object configDefault(FieldScope field) {
        Class<?> section = field.getDeclaringType().getErasedType();
        if (!isConfig(section) || field.getType().getErasedType().isRecord()) {
            return null;
        }
        try {
            Method defaults = section.getMethod("defaults");
            return section.getMethod(field.getDeclaredName()).invoke(defaults.invoke(null));
        } catch (NoSuchMethodException e) {
            return null;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read the default of " + field, e);
        }
    }

    private static boolean isConfig(Class<?> type) {
        return type.getPackageName().equals(QuantizationConfig.class.getPackageName());
    }
}
