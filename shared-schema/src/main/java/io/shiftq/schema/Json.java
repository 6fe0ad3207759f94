package io.shiftq.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.shiftq.schema.config.ConfigException;
import io.shiftq.schema.event.EventReadException;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.JobIds;
import io.shiftq.schema.event.ShiftqEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The one Jackson configuration every shiftq component shares: snake_case names, ISO-8601 instants,
 * null fields left out, unknown fields tolerated.
 *
 * <p>The mappers are shared instances: use them as they are, or {@code copy()} one before changing it.
 */
public final class Json {

    private static final ObjectMapper MAPPER = configure(new ObjectMapper());
    private static final ObjectMapper YAML = configure(new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build()));
    private static final int EXCERPT_CHARS = 200;

    private Json() {}

    /** The JSON mapper for events, reports and configs. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** The YAML mapper for config files, configured like {@link #mapper()}. */
    public static ObjectMapper yamlMapper() {
        return YAML;
    }

    private static ObjectMapper configure(ObjectMapper m) {
        return m.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .registerModule(new JavaTimeModule())
                .registerModule(new SimpleModule().addDeserializer(Instant.class, new StrictInstant()))
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .setDefaultPropertyInclusion(JsonInclude.Include.NON_NULL)
                // A newer producer may add fields; an older consumer must still read the event.
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** Writes a value as compact JSON. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a value as indented JSON, as report files are written. */
    public static String writePretty(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads an event (or any record) from a UTF-8 payload; see {@link #read(byte[], Class)}. */
    public static <T> T read(String payload, Class<T> type) {
        return read(payload == null ? null : payload.getBytes(StandardCharsets.UTF_8), type);
    }

    /**
     * Reads a payload that came from outside, so that a bad one fails with a message a person can act on.
     *
     * @throws EventReadException naming what was wrong: not JSON, not an object, a missing required field,
     *     an unsupported schema_version, a bad job_id or variant, a field of the wrong type, an invalid config
     */
    public static <T> T read(byte[] payload, Class<T> type) {
        JsonNode tree = parse(payload);
        requireFields(tree, type);
        checkSchemaVersion(tree, type);
        T value;
        try {
            value = MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new EventReadException(describe(e), e);
        }
        if (value instanceof ShiftqEvent event) {
            checkEnvelope(event);
        }
        return value;
    }

    private static JsonNode parse(byte[] payload) {
        if (payload == null || payload.length == 0) {
            throw new EventReadException("empty payload");
        }
        JsonNode tree;
        try {
            tree = MAPPER.reader()
                    .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .readTree(payload);
        } catch (IOException e) {
            throw new EventReadException("not JSON: " + firstLine(e.getMessage()), e);
        }
        if (tree == null || !tree.isObject()) {
            String kind =
                    tree == null ? "nothing" : tree.getNodeType().toString().toLowerCase();
            throw new EventReadException("not a JSON object: got " + kind);
        }
        return tree;
    }

    private static void requireFields(JsonNode tree, Class<?> type) {
        if (!type.isRecord()) {
            return;
        }
        List<String> missing = Arrays.stream(type.getRecordComponents())
                .filter(c -> isRequired(c.getAccessor().getAnnotation(JsonProperty.class)))
                .map(Json::propertyName)
                .filter(name -> !tree.hasNonNull(name))
                .collect(Collectors.toList());
        if (!missing.isEmpty()) {
            throw new EventReadException("missing " + String.join(", ", missing));
        }
    }

    private static boolean isRequired(JsonProperty property) {
        return property != null && property.required();
    }

    private static void checkSchemaVersion(JsonNode tree, Class<?> type) {
        JsonNode version = tree.get("schema_version");
        if (ShiftqEvent.class.isAssignableFrom(type)
                && version != null
                && !EventTypes.SCHEMA_VERSION.equals(version.asText())) {
            throw new EventReadException("unsupported schema_version '" + version.asText() + "'; this reader knows '"
                    + EventTypes.SCHEMA_VERSION + "'");
        }
    }

    private static void checkEnvelope(ShiftqEvent event) {
        if (!JobIds.isValid(event.jobId())) {
            throw new EventReadException("job_id '" + excerpt(event.jobId()) + "' must match " + JobIds.PATTERN);
        }
        if (event.variant() != null && !ShiftqEvent.VARIANTS.contains(event.variant())) {
            throw new EventReadException("variant '" + excerpt(event.variant()) + "' is not one of "
                    + String.join(", ", ShiftqEvent.VARIANTS));
        }
    }

    private static String describe(Exception e) {
        if (e instanceof ValueInstantiationException vie && vie.getCause() instanceof ConfigException ce) {
            return "invalid config: " + ce.getMessage();
        }
        if (e instanceof JsonMappingException jme && !jme.getPath().isEmpty()) {
            return pathOf(jme) + ": " + firstLine(jme.getOriginalMessage());
        }
        return firstLine(e.getMessage());
    }

    /** The dotted snake_case path of the field a mapping error is about, e.g. {@code shift_records[0].layer}. */
    public static String pathOf(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** The JSON name of a record component: its {@code @JsonProperty} name, else its snake_case name. */
    public static String propertyName(RecordComponent component) {
        // @JsonProperty cannot target a record component; Java copies it onto the accessor.
        JsonProperty property = component.getAccessor().getAnnotation(JsonProperty.class);
        return property != null && !property.value().isEmpty() ? property.value() : snakeCase(component.getName());
    }

    /** Jackson's snake_case form of a Java name, e.g. {@code finalQuantizationDetails -> final_quantization_details}. */
    public static String snakeCase(String javaName) {
        return ((PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE).translate(javaName);
    }

    /** The start of a payload, short enough to put into a failure event or a log line. */
    public static String excerpt(String text) {
        if (text == null) {
            return null;
        }
        return text.length() <= EXCERPT_CHARS ? text : text.substring(0, EXCERPT_CHARS) + "...";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
