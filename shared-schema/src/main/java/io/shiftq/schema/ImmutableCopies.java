package io.shiftq.schema;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Null-preserving immutable copies for record components; maps keep their order (layer order in reports). */
public final class ImmutableCopies {

    private ImmutableCopies() {}

    /** An unmodifiable copy of the list, or null for null. */
    public static <T> List<T> list(List<T> list) {
        return list == null ? null : List.copyOf(list);
    }

    /** An unmodifiable copy of the map in its iteration order, or null for null. */
    public static <K, V> Map<K, V> map(Map<K, V> map) {
        return map == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
