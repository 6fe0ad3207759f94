package io.shiftq.schema;

import io.shiftq.schema.config.DataConfig;
import io.shiftq.schema.config.Limits;
import io.shiftq.schema.config.ModelConfig;
import io.shiftq.schema.config.TensorQuantConfig;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.report.ShiftRecord;
import io.shiftq.schema.report.TensorShift;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The rules a JSON Schema cannot state but every producer of shiftq events must follow, written by
 * {@link SchemaGenerator} as {@code conventions.json} beside the schemas, so non-Java clients (the Python AIMET
 * worker) read them instead of copying them: the per-role tensor defaults, the exponent rules, the accumulator
 * width, the upper bounds of a request, the violation messages of a shift record, the SQNR of a tensor without noise, and the event names.
 */
public final class Conventions {

    private Conventions() {}

    /** Every convention by its snake_case key, in a fixed order. */
    public static Map<String, Object> all() {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("schema_version", EventTypes.SCHEMA_VERSION);
        all.put("tensor_defaults", tensorDefaults());
        all.put("roles", TensorQuantConfig.ROLES);
        all.put("roundings", TensorQuantConfig.ROUNDINGS);
        all.put("static_roundings", TensorQuantConfig.STATIC_ROUNDINGS);
        all.put("accumulator_bits", ShiftRecord.ACCUMULATOR_BITS);
        all.put("violations", ShiftRecord.VIOLATION_TEMPLATES);
        all.put("sqnr_db_without_noise", TensorShift.SQNR_DB_WITHOUT_NOISE);
        all.put("limits", limits());
        all.put("stages", stages());
        all.put("stage_progress_type", EventTypes.STAGE_PROGRESS);
        all.put("stage_failed_type", EventTypes.STAGE_FAILED);
        all.put(
                "cloudevents",
                new TreeMap<>(
                        Map.of("spec_version", EventTypes.SPEC_VERSION, "content_type", EventTypes.CONTENT_TYPE)));
        return all;
    }

    private static Map<String, TensorQuantConfig> tensorDefaults() {
        Map<String, TensorQuantConfig> defaults = new LinkedHashMap<>();
        TensorQuantConfig.ROLES.forEach(role -> defaults.put(role, TensorQuantConfig.defaults(role)));
        return defaults;
    }

    /**
     * The upper bounds a request is validated against ({@link Limits#DEFAULT} and the data and model bounds), so every
     * reader refuses the same values by the same field.
     */
    private static Map<String, Number> limits() {
        Limits l = Limits.DEFAULT;
        Map<String, Number> limits = new LinkedHashMap<>();
        limits.put("max_epochs", l.maxEpochs());
        limits.put("max_learning_rate", l.maxLearningRate());
        limits.put("max_weight_decay", l.maxWeightDecay());
        limits.put("max_eps", l.maxEps());
        limits.put("max_batch_size", l.maxBatchSize());
        limits.put("max_images", l.maxImages());
        limits.put("max_batches", l.maxBatches());
        limits.put("max_resize", DataConfig.MAX_RESIZE);
        limits.put("max_workers", DataConfig.MAX_WORKERS);
        limits.put("max_prefetch", DataConfig.MAX_PREFETCH);
        limits.put("max_batch_values", DataConfig.MAX_BATCH_VALUES);
        limits.put("max_channels", DataConfig.MAX_CHANNELS);
        limits.put("max_classes", ModelConfig.MAX_CLASSES);
        return limits;
    }

    private static Map<String, Map<String, String>> stages() {
        Map<String, Map<String, String>> stages = new LinkedHashMap<>();
        for (Stage stage : Stage.PIPELINE) {
            stages.put(
                    stage.id(),
                    new TreeMap<>(Map.of("done_topic", stage.doneTopic(), "completed_type", stage.completedType())));
        }
        return stages;
    }
}
