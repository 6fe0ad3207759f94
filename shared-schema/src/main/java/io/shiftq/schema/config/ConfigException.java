package io.shiftq.schema.config;

import java.util.List;

/** A config that cannot be used; each problem names the dotted snake_case field, the bad value and what is allowed. */
public class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /** A config with these problems; the message is the problems joined by "; ". */
    public ConfigException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** Every problem found, in the order of the config's sections. */
    public List<String> problems() {
        return problems;
    }
}
