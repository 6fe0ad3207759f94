package io.shiftq.engine.deploy.c;

import io.shiftq.engine.deploy.ops.CSourceOut;
import io.shiftq.engine.deploy.ops.CTypes;
import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import io.shiftq.engine.deploy.ops.Op;
import io.shiftq.engine.model.Shapes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The C reference of an {@link IntegerModel}: {@code shiftq_model.c}, one function
 * {@code shiftq_infer(input codes, logit codes)} built from {@code shiftq_model.h}'s arrays and constants that computes
 * exactly what {@code IntegerExecutor} computes.
 *
 * <p>The C is written for HLS tools and DSP compilers as much as for gcc: static buffers (no heap), integers only,
 * constant loop bounds, no recursion, no variable-length arrays, buffer types sized from each quantizer's bitwidth
 * and accumulators 32-bit where the layer's worst case fits (64-bit otherwise). Every shift goes through one helper
 * that mirrors {@code Codes.shiftRight}, so no shift or add in it is undefined behaviour in C99.
 */
public final class CSource {
    /** File name of the C source. */
    public static final String FILE = "shiftq_model.c";
    /** File name of the example program (reads an IDX file, prints the accuracy); it includes {@link #FILE}. */
    public static final String MAIN_FILE = "shiftq_main.c";

    private final IntegerModel model;
    private final List<int[]> shapes;
    private final Quantizer[] values;
    private final String[] buffers;
    private final StringBuilder declarations = new StringBuilder();
    private final StringBuilder functions = new StringBuilder();
    private final StringBuilder calls = new StringBuilder();
    private boolean floorDivision;

    private CSource(IntegerModel model) {
        this.model = model;
        this.shapes = model.shapes();
        this.values = model.valueQuantizers();
        this.buffers = new String[model.ops().size()];
    }

    /**
     * The C text.
     *
     * @throws IllegalArgumentException when the model reads its input with two different quantizers
     */
    public static String render(IntegerModel m) {
        return new CSource(m).text();
    }

    /**
     * Writes {@code shiftq_model.h}, {@code shiftq_model.c} and {@code shiftq_main.c} into dir (which must exist).
     *
     * @return the three paths, in that order
     */
    public static List<Path> write(IntegerModel m, Path dir) throws IOException {
        Path header = Files.writeString(dir.resolve(CHeader.FILE), CHeader.render(m), StandardCharsets.UTF_8);
        Path source = Files.writeString(dir.resolve(FILE), render(m), StandardCharsets.UTF_8);
        Path main = Files.writeString(dir.resolve(MAIN_FILE), mainProgram(), StandardCharsets.UTF_8);
        return List.of(header, source, main);
    }

    /** The example program's text, the same for every model. */
    public static String mainProgram() {
        try (InputStream in = CSource.class.getResourceAsStream(MAIN_FILE)) {
            if (in == null) {
                throw new IllegalStateException(MAIN_FILE + " is missing from the engine's resources");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String text() {
        Quantizer in = inputQuantizer();
        Quantizer out = model.outputQuantizer();
        for (int i = 0; i < model.ops().size(); i++) {
            op(i);
        }
        StringBuilder c = new StringBuilder();
        // int32_t logits where every output code fits, int64_t otherwise (never a silent wrap).
        String logit = out.qmin() >= Integer.MIN_VALUE && out.qmax() <= Integer.MAX_VALUE ? "int32_t" : "int64_t";
        c.append(CSourceText.preamble(model.network(), CHeader.FILE, codeType(in), inputSize(), logit));
        c.append(CSourceText.pixelTable(model, in, codeType(in)));
        c.append(CSourceText.helpers(floorDivision));
        c.append("/* One buffer per op output (flatten, dropout and fused ReLUs read their producer's). */\n");
        c.append(declarations).append('\n');
        c.append(functions);
        c.append(
                "void shiftq_infer(const shiftq_input_t input[SHIFTQ_INPUT_SIZE], shiftq_logit_t logits[SHIFTQ_NUM_CLASSES])\n{\n");
        c.append(calls);
        String last = buffers[buffers.length - 1];
        c.append("    for (int k = 0; k < SHIFTQ_NUM_CLASSES; k++) {\n        logits[k] = (shiftq_logit_t) ")
                .append(last)
                .append("[k];\n    }\n}\n");
        return c.toString();
    }

    /** The one quantizer every layer reading the network input uses. */
    private Quantizer inputQuantizer() {
        Quantizer q = null;
        for (Op op : model.ops()) {
            if (op.inputs().get(0) != IntegerModel.INPUT
                    || op.networkInputQuantizer().isEmpty()) {
                continue;
            }
            Quantizer mine = op.networkInputQuantizer().get();
            if (q != null && !q.equals(mine)) {
                throw new IllegalArgumentException(op.name() + " quantizes the network input as " + mine
                        + ", another layer as " + q + "; shiftq_infer takes one array of input codes");
            }
            q = mine;
        }
        if (q == null) {
            throw new IllegalArgumentException("no layer reads the network input");
        }
        return q;
    }

    private int inputSize() {
        return Shapes.size(model.inputShape());
    }

    private void op(int i) {
        model.ops().get(i).source(new Emit(i));
    }

    /** The source seen from op i. */
    private final class Emit implements CSourceOut {
        private final int i;
        private final Op op;

        Emit(int i) {
            this.i = i;
            this.op = model.ops().get(i);
        }

        @Override
        public String id() {
            return CHeader.ident(op.name());
        }

        @Override
        public String macro() {
            return CHeader.macro(op.name());
        }

        @Override
        public String buffer(int k) {
            int j = op.inputs().get(k);
            return j == IntegerModel.INPUT ? "input" : buffers[j];
        }

        @Override
        public String inType(int k) {
            int j = op.inputs().get(k);
            return j == IntegerModel.INPUT ? "shiftq_input_t" : codeType(values[j]);
        }

        @Override
        public String outType() {
            return codeType(values[i]);
        }

        @Override
        public int[] inShape(int k) {
            return model.shapeOf(op.inputs().get(k), shapes);
        }

        @Override
        public int[] outShape() {
            return shapes.get(i);
        }

        @Override
        public String codeType(Quantizer q) {
            return CSource.codeType(q);
        }

        @Override
        public int accumulatorBits() {
            return model.target() == null ? 0 : model.target().accumulatorBits();
        }

        @Override
        public void useFloorDivision() {
            floorDivision = true;
        }

        @Override
        public void alias() {
            buffers[i] = buffers[op.inputs().get(0)];
        }

        @Override
        public void function(String detail, String text, String... args) {
            buffers[i] = "buf_" + id();
            functions
                    .append("/* ")
                    .append(op.name())
                    .append(": ")
                    .append(op.type())
                    .append(detail)
                    .append(" */\n");
            functions.append(text);
            call(id(), args);
            functions.append('\n');
            declare(buffers[i], outType(), Shapes.size(shapes.get(i)), op.name());
        }

        private void call(String id, String... args) {
            calls.append("    op_")
                    .append(id)
                    .append('(')
                    .append(String.join(", ", args))
                    .append(args.length > 0 ? ", " : "")
                    .append(buffers[i])
                    .append(");\n");
        }
    }

    private void declare(String buffer, String type, int n, String name) {
        declarations
                .append("static ")
                .append(type)
                .append(' ')
                .append(buffer)
                .append('[')
                .append(n)
                .append("]; /* ")
                .append(name)
                .append(" */\n");
    }

    /** The smallest C integer type that holds every code of the quantizer. */
    static String codeType(Quantizer q) {
        return CTypes.of(q);
    }
}
