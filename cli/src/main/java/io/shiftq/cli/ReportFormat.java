package io.shiftq.cli;

import io.shiftq.schema.report.QuantizationReport;
import io.shiftq.schema.report.ShiftRecord;
import io.shiftq.schema.report.TensorShift;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The ways {@code shiftq report} prints a report: the summary and shift table, CSV of the shift records, or the file. */
enum ReportFormat {
    /** The accuracies and one aligned row per layer, for a person. */
    TABLE,
    /** One CSV row per layer with a header, for a spreadsheet or a script. */
    CSV,
    /** report.json byte for byte. */
    JSON;

    /** The format named by {@code --format}; an unknown name is a usage error naming the allowed ones. */
    static ReportFormat of(String name) {
        for (ReportFormat f : values()) {
            if (f.name().equalsIgnoreCase(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("--format '" + name + "' is not one of table, csv, json");
    }

    /** The columns of the shift table, in order, with how each is read from a record. */
    private static final List<Column> COLUMNS = List.of(
            new Column("layer", ShiftRecord::layer),
            new Column("op", ShiftRecord::opType),
            new Column("w_exp", r -> exponent(r.weight())),
            new Column("b_exp", r -> exponent(r.bias())),
            new Column("i_exp", r -> exponent(r.input())),
            new Column("o_exp", r -> exponent(r.output())),
            new Column("shift_cut", r -> text(r.shiftCut())),
            new Column("bias_shift", r -> text(r.biasShift())),
            new Column("w_sqnr_db", r -> sqnr(r.weight())),
            new Column("o_sqnr_db", r -> sqnr(r.output())),
            new Column("violations", r -> String.join("; ", r.violations())));

    private record Column(String name, Function<ShiftRecord, String> value) {}

    /** The report's accuracies, then its shift records as an aligned table. */
    static String table(QuantizationReport report) {
        StringBuilder text = new StringBuilder(String.format(
                Locale.ROOT,
                "job %s (%s)%nFP32 %.2f%%  PTQ %.2f%%  QAT best %.2f%%  final %.2f%%%n%n",
                report.jobId(),
                report.variant(),
                report.initialAccuracy(),
                report.ptqAccuracy(),
                report.qatBestAccuracy(),
                report.finalAccuracy()));
        List<List<String>> rows = new ArrayList<>();
        rows.add(COLUMNS.stream().map(Column::name).toList());
        report.shiftRecords()
                .forEach(r ->
                        rows.add(COLUMNS.stream().map(c -> c.value().apply(r)).toList()));
        int[] width = new int[COLUMNS.size()];
        rows.forEach(row -> {
            for (int i = 0; i < width.length; i++) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        });
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < width.length; i++) {
                // Text columns left-aligned, numbers right-aligned; the last column is not padded.
                String cell = row.get(i);
                boolean left = i < 2 || i == width.length - 1;
                line.append(i == 0 ? "" : "  ").append(i == width.length - 1 ? cell : pad(cell, width[i], left));
            }
            text.append(line.toString().stripTrailing()).append(System.lineSeparator());
        }
        return text.toString();
    }

    /** The shift records as CSV (RFC 4180 quoting), one header line. */
    static String csv(QuantizationReport report) {
        StringBuilder text =
                new StringBuilder(COLUMNS.stream().map(Column::name).collect(Collectors.joining(",")));
        text.append("\r\n");
        for (ShiftRecord r : report.shiftRecords()) {
            text.append(COLUMNS.stream().map(c -> quote(c.value().apply(r))).collect(Collectors.joining(",")))
                    .append("\r\n");
        }
        return text.toString();
    }

    private static String exponent(TensorShift t) {
        return t == null ? "" : Integer.toString(t.exponent());
    }

    private static String sqnr(TensorShift t) {
        return t == null || t.sqnrDb() == null ? "" : String.format(Locale.ROOT, "%.2f", t.sqnrDb());
    }

    private static String text(Integer value) {
        return value == null ? "" : value.toString();
    }

    private static String pad(String cell, int width, boolean left) {
        String fill = " ".repeat(width - cell.length());
        return left ? cell + fill : fill + cell;
    }

    private static String quote(String cell) {
        String value = cell == null ? "" : cell;
        return value.contains(",") || value.contains("\"") || value.contains("\n")
                ? "\"" + value.replace("\"", "\"\"") + "\""
                : value;
    }
}
