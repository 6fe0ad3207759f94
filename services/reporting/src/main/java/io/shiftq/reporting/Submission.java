package io.shiftq.reporting;

import io.shiftq.schema.config.ConfigException;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.JobIds;
import io.shiftq.schema.event.QuantizationRequested;
import io.shiftq.schema.event.ShiftqEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A request typed into the page's form, checked by the same code as {@code shiftq submit} (the config records'
 * own validation and {@link QuantizationRequested#of}), so the page and the CLI publish the same event.
 */
public final class Submission {

    /** The form's field for the job id. */
    public static final String JOB_ID = "job_id";
    /** The form's field for the variant. */
    public static final String VARIANT = "variant";
    /** The form's field for the YAML config; problems inside it name their own key as well. */
    public static final String CONFIG = "config";

    /** A dotted snake_case config key, e.g. {@code quantization.weight.bitwidth}, at the start of a problem. */
    private static final Pattern KEY = Pattern.compile("[a-z0-9_]+(\\.[a-z0-9_]+)*");

    /**
     * What the form sends.
     *
     * @param jobId empty or null for a new random id
     * @param variant custom or aimet; empty or null for custom
     * @param config the YAML config; keys left out take their defaults
     */
    public record Form(String jobId, String variant, String config) {}

    /**
     * One thing wrong with the form.
     *
     * @param field the form field it belongs to: {@link #JOB_ID}, {@link #VARIANT} or {@link #CONFIG}
     * @param key the config key for a config problem (null when the YAML itself cannot be read)
     * @param message the whole problem, as {@code shiftq submit} prints it
     */
    public record Problem(String field, String key, String message) {}

    /** The form's problems; thrown so the resource answers 400 with all of them. */
    public static final class Invalid extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient List<Problem> problems;

        Invalid(List<Problem> problems) {
            super(problems.stream().map(Problem::message).toList().toString());
            this.problems = List.copyOf(problems);
        }

        /** Every problem, job id and variant first, then the config's in the order of its sections. */
        public List<Problem> problems() {
            return problems;
        }
    }

    private Submission() {}

    /**
     * The request the form describes.
     *
     * @throws Invalid listing every problem of every field
     */
    public static QuantizationRequested request(Form form) {
        List<Problem> problems = new ArrayList<>();
        String jobId = blank(form.jobId()) ? JobIds.newId() : form.jobId().strip();
        if (!JobIds.isValid(jobId)) {
            problems.add(new Problem(
                    JOB_ID, null, "job_id: '" + jobId + "' must match " + JobIds.PATTERN + " and not be . or .."));
        }
        String variant =
                blank(form.variant()) ? ShiftqEvent.CUSTOM : form.variant().strip();
        if (!ShiftqEvent.VARIANTS.contains(variant)) {
            problems.add(new Problem(
                    VARIANT,
                    null,
                    "variant: '" + variant + "' is not one of " + String.join(", ", ShiftqEvent.VARIANTS)));
        }
        QuantizationConfig config = null;
        try {
            config = QuantizationConfig.parseYaml(form.config());
        } catch (ConfigException e) {
            e.problems().forEach(p -> problems.add(new Problem(CONFIG, keyOf(p), p)));
        }
        if (!problems.isEmpty()) {
            throw new Invalid(problems);
        }
        return QuantizationRequested.of(jobId, variant, config);
    }

    private static String keyOf(String problem) {
        int colon = problem.indexOf(": ");
        String head = colon < 0 ? "" : problem.substring(0, colon);
        return KEY.matcher(head).matches() && !head.equals("yaml") ? head : null;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
