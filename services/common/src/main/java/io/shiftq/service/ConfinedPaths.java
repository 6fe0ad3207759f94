package io.shiftq.service;

import io.shiftq.schema.config.ConfigException;
import io.shiftq.schema.config.QuantizationConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a request's file paths ({@code data.path}, {@code model.weights}, {@code model.path}) inside the directories the operator
 * allows, so a request cannot make a service read any file on its machine. A path is judged after resolving
 * {@code ..} and symbolic links, so neither can lead out of a root.
 */
public final class ConfinedPaths {

    private final List<Path> dataRoots;
    private final List<Path> modelRoots;

    /** Paths allowed under these roots (each made absolute and real where it exists). */
    public ConfinedPaths(List<Path> dataRoots, List<Path> modelRoots) {
        this.dataRoots = dataRoots.stream().map(ConfinedPaths::real).toList();
        this.modelRoots = modelRoots.stream().map(ConfinedPaths::real).toList();
    }

    /**
     * The config if its paths lie inside the roots.
     *
     * @throws ConfigException naming each field, its path and the allowed roots
     */
    public QuantizationConfig check(QuantizationConfig config) {
        List<String> problems = new ArrayList<>();
        inside("data.path", config.data().path(), dataRoots, "shiftq.data.roots", problems);
        String weights = config.model().weights();
        if (weights != null && !weights.isBlank()) {
            inside("model.weights", weights.replaceFirst("^file:", ""), modelRoots, "shiftq.models.roots", problems);
        }
        String onnx = config.model().path();
        if (onnx != null && !onnx.isBlank()) {
            inside("model.path", onnx.replaceFirst("^file:", ""), modelRoots, "shiftq.models.roots", problems);
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return config;
    }

    private static void inside(String field, String value, List<Path> roots, String key, List<String> problems) {
        Path path = real(Path.of(value));
        if (roots.stream().noneMatch(path::startsWith)) {
            problems.add(field + ": '" + value + "' is outside the allowed roots " + roots + " (" + key + ")");
        }
    }

    /** Absolute and normalized; with symbolic links resolved for the longest part that exists. */
    private static Path real(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(abs));
        } catch (IOException e) {
            return abs;
        }
    }
}
