package io.shiftq.cli;

import io.shiftq.messaging.KafkaSettings;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * {@code shiftq}: submit a quantization request, watch a job, print its report.
 *
 * <pre>
 * shiftq [--bootstrap HOST:PORT] [--kafka-config FILE] submit CONFIG.yaml [--job-id ID] [--variant custom|aimet]
 * shiftq [--bootstrap HOST:PORT] watch JOB_ID [--timeout SECONDS]
 * shiftq [--bootstrap HOST:PORT] report JOB_ID [--format table|csv|json] [--artifacts DIR]
 * shiftq [--reporting URL] jobs [--limit N] [--format table|json]
 * shiftq [--reporting URL] cancel JOB_ID [--reason TEXT] [--force]
 * shiftq [--reporting URL] delete JOB_ID [--force]
 * </pre>
 *
 * Exit codes: 0 done, 1 the job failed or was not found, 2 bad usage, a bad config or bad Kafka client settings, 3
 * the reporting service knows no such job (cancel, delete), 4 the job has already ended (cancel), 5 the job is queued
 * or running (delete).
 */
public final class Main {

    /** Success. */
    public static final int OK = 0;
    /** The job failed, timed out, or has no report. */
    public static final int JOB_FAILED = 1;
    /** Bad arguments or an invalid config. */
    public static final int USAGE = 2;
    /** {@code cancel}, {@code delete}: the reporting service has seen no such job (or it was deleted). */
    public static final int UNKNOWN_JOB = 3;
    /** {@code cancel}: the job has already ended (reported, failed or cancelled); nothing was published. */
    public static final int JOB_ENDED = 4;
    /** {@code delete}: the job is queued or running; cancel it first, or --force. */
    public static final int JOB_ACTIVE = 5;

    /** Environment variable naming the broker when --bootstrap is not given. */
    public static final String ENV_BOOTSTRAP = "KAFKA_BOOTSTRAP_SERVERS";
    /** Broker used when neither --bootstrap nor the environment names one. */
    public static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";
    /** Environment variable naming a Kafka client properties file (TLS, SASL) when --kafka-config is not given. */
    public static final String ENV_KAFKA_CONFIG = "SHIFTQ_KAFKA_CONFIG";
    /** Environment variable naming the reporting service's URL when --reporting is not given. */
    public static final String ENV_REPORTING = "SHIFTQ_REPORTING_URL";
    /** Environment variable that makes {@code watch} print lines even on a terminal, when set to {@code lines}. */
    public static final String ENV_WATCH = "SHIFTQ_WATCH";
    /** Environment variable naming the artifact store when --artifacts is not given. */
    public static final String ENV_ARTIFACTS = "SHIFTQ_ARTIFACTS_ROOT";

    static final String USAGE_TEXT = """
            usage: shiftq [--bootstrap HOST:PORT] [--kafka-config FILE] COMMAND ...
              submit CONFIG.yaml [--job-id ID] [--variant custom|aimet]   validate and publish a request
              watch JOB_ID [--timeout SECONDS]                            follow a job until its report
              report JOB_ID [--format table|csv|json] [--artifacts DIR]    print a job's report (--json = --format json)
              jobs [--limit N] [--format table|json]                       the newest jobs and their states
              cancel JOB_ID [--reason TEXT] [--force] [--variant V]        stop a job; its report says cancelled
              delete JOB_ID [--force]                                      remove a job's artifacts, hide it
            exit codes: 0 ok, 1 job failed, 2 usage, 3 no such job, 4 job already ended, 5 job still queued/running
            watch keeps one live bar per stage on a terminal; --lines (or $SHIFTQ_WATCH=lines) prints lines
            reporting service (jobs, cancel, delete): --reporting URL, else $SHIFTQ_REPORTING_URL, else http://127.0.0.1:8080
            broker: --bootstrap, else $KAFKA_BOOTSTRAP_SERVERS, else 127.0.0.1:9092
            client properties (security.protocol, sasl.*, ssl.*): --kafka-config FILE, else $SHIFTQ_KAFKA_CONFIG
            artifacts: --artifacts, else $SHIFTQ_ARTIFACTS_ROOT, else .shiftq/artifacts""";

    private Main() {}

    /** Runs the CLI and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /** Runs one command; returns the exit code instead of exiting, for tests. */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Args parsed;
        try {
            parsed = Args.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("shiftq: " + e.getMessage());
            err.println(USAGE_TEXT);
            return USAGE;
        }
        String bootstrap = parsed.option("bootstrap", env.getOrDefault(ENV_BOOTSTRAP, DEFAULT_BOOTSTRAP));
        String kafkaConfig = parsed.option("kafka-config", env.get(ENV_KAFKA_CONFIG));
        KafkaSettings kafka;
        try {
            kafka = kafkaConfig == null
                    ? KafkaSettings.plain(bootstrap)
                    : KafkaSettings.withConfig(bootstrap, kafkaConfig);
        } catch (IllegalArgumentException e) {
            err.println("shiftq: " + e.getMessage());
            return USAGE;
        }
        String artifacts = parsed.option("artifacts", env.getOrDefault(ENV_ARTIFACTS, ".shiftq/artifacts"));
        ReportingClient reporting = new ReportingClient(
                parsed.option("reporting", env.getOrDefault(ENV_REPORTING, "http://127.0.0.1:8080")));
        try {
            return switch (parsed.command()) {
                case "submit" ->
                    new Submit(kafka, out, err)
                            .run(
                                    parsed.operand("CONFIG.yaml"),
                                    parsed.option("job-id", null),
                                    parsed.option("variant", "custom"));
                case "watch" ->
                    new Watch(kafka, out, err, liveBars(parsed, env))
                            .run(parsed.operand("JOB_ID"), parsed.longOption("timeout", 0));
                case "report" ->
                    new ReportCommand(kafka, artifacts, out, err)
                            .run(
                                    parsed.operand("JOB_ID"),
                                    ReportFormat.of(parsed.option("format", parsed.flag("json") ? "json" : "table")));
                case "jobs" ->
                    new Jobs(reporting, out, err).run((int) parsed.longOption("limit", 20), jobsJson(parsed));
                case "cancel" ->
                    new Cancel(kafka, reporting, out, err)
                            .run(
                                    parsed.operand("JOB_ID"),
                                    parsed.option("variant", null),
                                    parsed.option("reason", null),
                                    parsed.flag("force"));
                case "delete" -> new Delete(reporting, out, err).run(parsed.operand("JOB_ID"), parsed.flag("force"));
                case "help", "--help", "-h" -> {
                    out.println(USAGE_TEXT);
                    yield OK;
                }
                default -> throw new IllegalArgumentException("unknown command '" + parsed.command() + "'");
            };
        } catch (ConfigException e) {
            // Kafka's own check of the client properties (--kafka-config): a usage error, not a crash.
            err.println("shiftq: Kafka client settings: " + e.getMessage());
            return USAGE;
        } catch (IllegalArgumentException e) {
            err.println("shiftq: " + e.getMessage());
            err.println(USAGE_TEXT);
            return USAGE;
        }
    }

    /** Live bars only on a terminal (a pipe or a file gets lines), and not when lines are asked for. */
    private static boolean liveBars(Args parsed, Map<String, String> env) {
        return System.console() != null && !parsed.flag("lines") && !"lines".equals(env.get(ENV_WATCH));
    }

    private static boolean jobsJson(Args parsed) {
        String format = parsed.option("format", "table");
        if (!format.equals("table") && !format.equals("json")) {
            throw new IllegalArgumentException("--format '" + format + "' is not one of table, json");
        }
        return format.equals("json");
    }

    /** Options ({@code --name value}, {@code --flag}) anywhere; the first operand is the command. */
    record Args(String command, List<String> operands, Map<String, String> options) {

        private static final List<String> FLAGS = List.of("json", "lines", "force");

        static Args parse(String[] args) {
            List<String> operands = new ArrayList<>();
            Map<String, String> options = new HashMap<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.startsWith("--") && a.length() > 2 && !a.equals("--help")) {
                    String name = a.substring(2);
                    int eq = name.indexOf('=');
                    if (eq > 0) {
                        options.put(name.substring(0, eq), name.substring(eq + 1));
                    } else if (FLAGS.contains(name)) {
                        options.put(name, "true");
                    } else if (i + 1 < args.length) {
                        options.put(name, args[++i]);
                    } else {
                        throw new IllegalArgumentException("option --" + name + " needs a value");
                    }
                } else {
                    operands.add(a);
                }
            }
            if (operands.isEmpty()) {
                throw new IllegalArgumentException("no command given");
            }
            return new Args(operands.get(0), operands.subList(1, operands.size()), options);
        }

        String operand(String name) {
            if (operands.isEmpty()) {
                throw new IllegalArgumentException(command + " needs " + name);
            }
            if (operands.size() > 1) {
                throw new IllegalArgumentException(command + " takes one " + name + ", got " + operands);
            }
            return operands.get(0);
        }

        String option(String name, String fallback) {
            return options.getOrDefault(name, fallback);
        }

        boolean flag(String name) {
            return options.containsKey(name);
        }

        long longOption(String name, long fallback) {
            String value = options.get(name);
            try {
                return value == null ? fallback : Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + " must be a whole number, got '" + value + "'");
            }
        }
    }
}
