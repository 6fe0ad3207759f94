package io.shiftq.schema.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import io.shiftq.schema.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A whole job configuration, the seed's {@code configs/quantization_config.yaml}. Every way in (YAML, JSON,
 * a request event) merges the given keys over {@link #defaults()}, refuses unknown keys, and validates.
 */
public record QuantizationConfig(
        ModelConfig model,
        DataConfig data,
        BaselineConfig baseline,
        TrainingConfig training,
        PtqConfig ptq,
        QuantizationSpec quantization,
        PipelineConfig pipeline,
        TargetConfig target) {

    /**
     * The seed's defaults: VGGSmall on Fashion-MNIST, 8-bit weights/activations, 32-bit biases, 5 QAT epochs, no
     * hardware target.
     */
    public static QuantizationConfig defaults() {
        return new QuantizationConfig(
                ModelConfig.defaults(),
                DataConfig.defaults(),
                BaselineConfig.defaults(),
                TrainingConfig.defaults(),
                PtqConfig.defaults(),
                QuantizationSpec.defaults(),
                PipelineConfig.defaults(),
                TargetConfig.defaults());
    }

    /** Reads YAML text; empty text gives the defaults. */
    public static QuantizationConfig parseYaml(String yaml) {
        JsonNode node;
        try {
            // A key given twice is almost always an editing mistake, so it is an error rather than last-wins.
            node = Json.yamlMapper()
                    .reader()
                    .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .readTree(yaml == null ? "" : yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException(
                    List.of("yaml" + where(e.getLocation()) + ": " + firstLine(e.getOriginalMessage())));
        }
        return fromJson(node);
    }

    /** Reads a YAML (or JSON) file; each problem is prefixed with the file's path. */
    public static QuantizationConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read: " + e));
        }
        try {
            return parseYaml(text);
        } catch (ConfigException e) {
            throw new ConfigException(
                    e.problems().stream().map(p -> file + ": " + p).toList());
        }
    }

    /**
     * Merges the tree over the defaults, converts it and validates it; also how Jackson reads a config
     * inside an event.
     *
     * @throws ConfigException listing unknown keys, values of the wrong type, or validation problems
     */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static QuantizationConfig fromJson(JsonNode node) {
        return ConfigTree.convert(ConfigTree.mergeOverDefaults(node)).validated();
    }

    /** Every validation problem under the default limits. */
    public List<String> problems() {
        return problems(Limits.DEFAULT);
    }

    /** Every validation problem, each naming the dotted snake_case field, the bad value and what is allowed. */
    public List<String> problems(Limits limits) {
        Problems p = new Problems(limits);
        p.section("model", model, ModelConfig::check);
        p.section("data", data, DataConfig::check);
        p.section("baseline", baseline, BaselineConfig::check);
        p.section("training", training, TrainingConfig::check);
        p.section("ptq", ptq, PtqConfig::check);
        p.section("quantization", quantization, QuantizationSpec::check);
        p.present("pipeline", pipeline);
        learnedRoundingNeedsALosslessExponent(p);
        int before = p.list().size();
        p.section("target", target, TargetConfig::check);
        // A broken target section says so once, instead of again through every quantization setting it would refuse.
        if (target != null && quantization != null && p.list().size() == before) {
            target.checkAgainst(quantization, p);
        }
        return p.list();
    }

    /**
     * Learned rounding hands on weights that sit exactly on their codes, and later steps re-derive the exponent from
     * them: max and mse then find the same grid again (or a finer one holding the same values), while round may pick
     * a coarser exponent and lose the learned codes.
     */
    private void learnedRoundingNeedsALosslessExponent(Problems p) {
        if (ptq == null || quantization == null || quantization.weight() == null || !ptq.learnedRounding()) {
            return;
        }
        String rule = quantization.weight().rounding();
        if (rule != null && !LEARNED_ROUNDING_RULES.contains(rule)) {
            p.add(
                    "quantization.weight.rounding",
                    Problems.quote(rule) + " cannot be combined with ptq.rounding: learned; allowed: "
                            + String.join(", ", LEARNED_ROUNDING_RULES));
        }
    }

    /** The weight exponent rules that keep learned codes when the exponent is chosen again from them. */
    public static final List<String> LEARNED_ROUNDING_RULES = List.of("max", "mse");

    /** This config if it has no problems under the default limits. */
    public QuantizationConfig validated() {
        return validated(Limits.DEFAULT);
    }

    /** This config if it has no problems under these limits. */
    public QuantizationConfig validated(Limits limits) {
        List<String> problems = problems(limits);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return this;
    }

    /** The config as YAML with every key, in the seed's layout. */
    public String toYaml() {
        try {
            return Json.yamlMapper().writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a config record could not be written as YAML", e);
        }
    }

    private static String where(JsonLocation location) {
        return location == null || location.getLineNr() < 1
                ? ""
                : " line " + location.getLineNr() + " column " + location.getColumnNr();
    }

    private static String firstLine(String message) {
        int newline = message == null ? -1 : message.indexOf('\n');
        return newline < 0 ? String.valueOf(message) : message.substring(0, newline);
    }
}
