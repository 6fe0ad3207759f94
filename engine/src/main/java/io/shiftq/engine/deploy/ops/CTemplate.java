package io.shiftq.engine.deploy.ops;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * C text with named holes: {@code $name} is replaced by the value given for name. C has no {@code $}, so the template
 * reads as the C it becomes; a hole without a value is an error, not an empty string.
 */
public final class CTemplate {
    private static final Pattern HOLE = Pattern.compile("\\$([A-Za-z][A-Za-z0-9]*)");

    private CTemplate() {}

    /** The template with every hole filled. */
    public static String fill(String template, Map<String, ?> values) {
        Matcher m = HOLE.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            Object v = values.get(m.group(1));
            if (v == null) {
                throw new IllegalArgumentException("C template: no value for $" + m.group(1));
            }
            m.appendReplacement(out, Matcher.quoteReplacement(String.valueOf(v)));
        }
        m.appendTail(out);
        return out.toString();
    }
}
