package io.shiftq.schema.config;

import java.util.ArrayList;
import java.util.List;

/** Collects validation problems in one message style: {@code path: what is wrong, got what, allowed what}. */
final class Problems {

    private final List<String> found = new ArrayList<>();
    private final Limits limits;

    Problems(Limits limits) {
        this.limits = limits;
    }

    /** The bounds this validation enforces. */
    Limits limits() {
        return limits;
    }

    /** An integer in 0..max, where max is an operator limit (named in the message). */
    void atMost(String path, long value, long max) {
        if (value > max) {
            add(path, value + " is above the limit " + max + " (shiftq.limits)");
        }
    }

    /** A number no larger than an operator limit (named in the message). */
    void atMost(String path, double value, double max) {
        if (value > max) {
            add(path, value + " is above the limit " + max + " (shiftq.limits)");
        }
    }

    void add(String path, String message) {
        found.add(path + ": " + message);
    }

    List<String> list() {
        return List.copyOf(found);
    }

    /** A section's own checks, as a method reference such as {@code ModelConfig::check}. */
    interface Check<T> {
        void run(T section, String path, Problems problems);
    }

    /** Checks a section, or reports it missing. */
    <T> void section(String path, T section, Check<T> check) {
        present(path, section);
        if (section != null) {
            check.run(section, path, this);
        }
    }

    void present(String path, Object section) {
        if (section == null) {
            add(path, "must be set");
        }
    }

    void nonBlank(String path, String value) {
        if (value == null || value.isBlank()) {
            add(path, "must not be blank, got " + quote(value));
        }
    }

    void positive(String path, long value) {
        if (value < 1) {
            add(path, "must be a positive integer, got " + value);
        }
    }

    void nonNegative(String path, long value) {
        if (value < 0) {
            add(path, "must be a non-negative integer, got " + value);
        }
    }

    void range(String path, int value, int min, int max) {
        if (value < min || value > max) {
            add(path, value + " is outside the allowed range " + min + ".." + max);
        }
    }

    /** A closed-or-open interval check written so that NaN fails too. */
    void interval(String path, double value, double min, boolean minIncluded, double max, boolean maxIncluded) {
        boolean aboveMin = minIncluded ? value >= min : value > min;
        boolean belowMax = maxIncluded ? value <= max : value < max;
        if (!(aboveMin && belowMax)) {
            add(
                    path,
                    value + " is outside the allowed range " + (minIncluded ? "[" : "(") + number(min) + ", "
                            + (max == Double.POSITIVE_INFINITY ? "inf" : number(max)) + (maxIncluded ? "]" : ")"));
        }
    }

    void oneOf(String path, String value, List<String> allowed) {
        if (!allowed.contains(value)) {
            add(path, quote(value) + " is not one of " + String.join(", ", allowed));
        }
    }

    static String quote(String value) {
        return value == null ? "null" : "'" + value + "'";
    }

    private static String number(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
