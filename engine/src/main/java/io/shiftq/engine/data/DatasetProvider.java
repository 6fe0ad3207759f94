package io.shiftq.engine.data;

import java.nio.file.Path;
import java.util.Set;

/**
 * Service-provider interface for user data sets, the Java form of the seed's "add your dataset":
 * implement it, list the class in {@code META-INF/services/io.shiftq.engine.data.DatasetProvider},
 * and name the data set in {@code data.dataset}.
 */
public interface DatasetProvider {

    /** Data set names this provider loads. */
    Set<String> names();

    /** Loads the named data set from {@code data.path}. */
    DataSplits load(String name, Path path);
}
