package io.shiftq.cli;

import io.shiftq.schema.event.Stage;
import java.io.PrintStream;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * One live line per stage on a terminal: each event rewrites the block of stage lines in place (ANSI cursor
 * movement), so a watched job shows one bar per stage instead of a scrolling log.
 */
final class StageBars {

    /** ANSI: move the cursor to the start of the line {@code n} lines up. */
    private static final String UP = "\u001b[%dF";
    /** ANSI: clear the whole line. */
    private static final String CLEAR = "\u001b[2K";

    private final PrintStream out;
    private final Map<Stage, String> lines = new EnumMap<>(Stage.class);
    private final Set<Stage> finished = EnumSet.noneOf(Stage.class);
    private int drawn;

    StageBars(PrintStream out) {
        this.out = out;
        for (Stage stage : Stage.PIPELINE) {
            lines.put(stage, String.format("%-11s waiting", stage.id()));
        }
    }

    /**
     * Shows a running stage's progress; ignored once the stage has finished, since the topics are read side by side
     * and a progress event may arrive after its stage's completion.
     */
    void progress(Stage stage, String line) {
        if (!finished.contains(stage)) {
            draw(stage, line);
        }
    }

    /** Shows a finished (or failed) stage's final line. */
    void done(Stage stage, String line) {
        finished.add(stage);
        draw(stage, line);
    }

    /**
     * Marks every stage not yet shown as finished as completed: a report exists only after all four stage
     * completions, but the topics are read side by side, so the report can be read before some of them.
     */
    void reported() {
        for (Stage stage : Stage.PIPELINE) {
            if (!finished.contains(stage)) {
                done(stage, String.format("%-11s completed (details in the report)", stage.id()));
            }
        }
    }

    private void draw(Stage stage, String line) {
        lines.put(stage, line);
        if (drawn > 0) {
            out.printf(UP, drawn);
        }
        for (String l : lines.values()) {
            out.print(CLEAR);
            out.println(l);
        }
        drawn = lines.size();
        out.flush();
    }
}
