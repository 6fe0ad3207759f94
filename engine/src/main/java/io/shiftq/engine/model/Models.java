package io.shiftq.engine.model;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;

/** Finds a model by name among the built-ins and every {@link ModelProvider} on the class path. */
public final class Models {
    private Models() {}

    /** Builds the named model, or fails naming the models that exist. */
    public static Network create(String name, int numClasses, int channels, int height, int width) {
        for (ModelProvider p : providers()) {
            if (p.names().contains(name)) {
                return p.create(name, numClasses, channels, height, width);
            }
        }
        throw new IllegalArgumentException("model.name: '" + name + "' is not one of " + available());
    }

    /** All model names, sorted. */
    public static List<String> available() {
        TreeSet<String> names = new TreeSet<>();
        providers().forEach(p -> names.addAll(p.names()));
        return List.copyOf(names);
    }

    private static List<ModelProvider> providers() {
        List<ModelProvider> list = new ArrayList<>();
        list.add(new BuiltinModels());
        ServiceLoader.load(ModelProvider.class).forEach(list::add);
        return list;
    }
}
