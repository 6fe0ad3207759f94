package io.shiftq.engine.model;

import java.util.Set;

/**
 * Service-provider interface for user models, the Java form of the seed's "add your model":
 * implement it, list the class in {@code META-INF/services/io.shiftq.engine.model.ModelProvider},
 * and name the model in {@code model.name}.
 */
public interface ModelProvider {

    /** Model names this provider builds. */
    Set<String> names();

    /** Builds the named network for inputs of shape [channels, height, width]. */
    Network create(String name, int numClasses, int channels, int height, int width);
}
