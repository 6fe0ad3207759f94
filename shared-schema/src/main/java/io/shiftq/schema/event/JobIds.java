package io.shiftq.schema.event;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;
import java.util.regex.Pattern;

/** Job ids: what they may contain (they name directories in the artifact store) and how new ones are made. */
public final class JobIds {

    /** The allowed form of a job id. */
    public static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private JobIds() {}

    /** Whether the id matches {@link #PATTERN}; "." and ".." are refused because they would name directories. */
    public static boolean isValid(String jobId) {
        return jobId != null && PATTERN.matcher(jobId).matches() && !jobId.equals(".") && !jobId.equals("..");
    }

    /** Returns the id, or throws IllegalArgumentException saying what a job id must look like. */
    public static String requireValid(String jobId) {
        if (!isValid(jobId)) {
            throw new IllegalArgumentException(
                    "job id '" + jobId + "' must match " + PATTERN + " (and not be . or ..)");
        }
        return jobId;
    }

    /** A new id that sorts by creation time, e.g. {@code job-20260101-120000-3f2a9c1b}. */
    public static String newId() {
        return "job-" + STAMP.format(Instant.now()) + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }
}
