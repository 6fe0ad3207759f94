package io.shiftq.schema.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.schema.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Turns a user's config tree into a QuantizationConfig: merged over the defaults, keys and types checked. */
final class ConfigTree {

    // Nulls kept so that keys whose default is null (model.weights) still count as known keys;
    // strict number and null handling so that a typo in a value is an error, not a silent 0.
    private static final ObjectMapper STRICT = Json.mapper()
            .copy()
            .setDefaultPropertyInclusion(JsonInclude.Include.ALWAYS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ConfigTree() {}

    /** The defaults with every key the user may set, nulls included. */
    static ObjectNode defaultsTree() {
        return STRICT.valueToTree(QuantizationConfig.defaults());
    }

    /** The user's tree laid over the defaults; unknown keys and sections of the wrong shape are errors. */
    static ObjectNode mergeOverDefaults(JsonNode user) {
        List<String> errors = new ArrayList<>();
        JsonNode merged = merge("", defaultsTree(), user, errors);
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return (ObjectNode) merged;
    }

    private static JsonNode merge(String path, JsonNode defaults, JsonNode user, List<String> errors) {
        if (user == null || user.isMissingNode()) {
            return defaults;
        }
        if (!defaults.isObject()) {
            // A key whose default is null (data.normalize) may hold a mapping; its keys and types are checked when the
            // tree becomes records (unknown keys fail there too).
            if (user.isContainerNode() && !defaults.isNull()) {
                errors.add(label(path) + ": expected a single value, got " + describe(user));
            }
            return user;
        }
        if (user.isNull() || (user.isTextual() && user.asText().isEmpty())) {
            return defaults; // an empty YAML section (`training:`) keeps its defaults
        }
        if (!user.isObject()) {
            errors.add(label(path) + ": expected a mapping with keys " + keys(defaults) + ", got " + describe(user));
            return defaults;
        }
        ObjectNode result = defaults.deepCopy();
        for (Map.Entry<String, JsonNode> field : user.properties()) {
            String child = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
            if (defaults.has(field.getKey())) {
                result.set(field.getKey(), merge(child, defaults.get(field.getKey()), field.getValue(), errors));
            } else {
                errors.add(child + ": unknown key; allowed: " + keys(defaults));
            }
        }
        return result;
    }

    /** The records of a merged tree; a value of the wrong type is an error naming its field. */
    static QuantizationConfig convert(ObjectNode merged) {
        List<String> errors = new ArrayList<>();
        QuantizationConfig config = new QuantizationConfig(
                section(merged, "model", ModelConfig.class, errors),
                section(merged, "data", DataConfig.class, errors),
                section(merged, "baseline", BaselineConfig.class, errors),
                section(merged, "training", TrainingConfig.class, errors),
                section(merged, "ptq", PtqConfig.class, errors),
                section(merged, "quantization", QuantizationSpec.class, errors),
                section(merged, "pipeline", PipelineConfig.class, errors),
                section(merged, "target", TargetConfig.class, errors));
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return config;
    }

    private static <T> T section(ObjectNode merged, String key, Class<T> type, List<String> errors) {
        JsonNode node = merged.get(key);
        try {
            return STRICT.treeToValue(node, type);
        } catch (MismatchedInputException e) {
            String inner = Json.pathOf(e);
            errors.add(key + (inner.isEmpty() ? "" : "." + inner) + ": expected " + expected(e.getTargetType())
                    + ", got " + describe(node.at(pointer(inner))));
        } catch (JsonMappingException e) {
            String inner = Json.pathOf(e);
            errors.add(key + (inner.isEmpty() ? "" : "." + inner) + ": " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            errors.add(key + ": " + e.getOriginalMessage());
        }
        return null;
    }

    private static String pointer(String dottedPath) {
        return dottedPath.isEmpty() ? "" : "/" + dottedPath.replace('.', '/');
    }

    private static String expected(Class<?> type) {
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "an integer";
        } else if (type == double.class || type == Double.class) {
            return "a number";
        } else if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        } else if (type == String.class) {
            return "a string";
        }
        return "a " + (type == null ? "value" : type.getSimpleName());
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return "null";
        } else if (node.isObject()) {
            return "a mapping";
        } else if (node.isArray()) {
            return "a list";
        } else if (node.isTextual()) {
            return "'" + node.asText() + "'";
        }
        return node.toString();
    }

    private static String keys(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return String.join(", ", names);
    }

    private static String label(String path) {
        return path.isEmpty() ? "config" : path;
    }
}
