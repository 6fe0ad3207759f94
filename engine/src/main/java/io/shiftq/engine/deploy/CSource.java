package io.shiftq.engine.deploy;

import io.shiftq.engine.deploy.IntegerModel.Add;
import io.shiftq.engine.deploy.IntegerModel.AvgPool;
import io.shiftq.engine.deploy.IntegerModel.ClippedRelu;
import io.shiftq.engine.deploy.IntegerModel.Concat;
import io.shiftq.engine.deploy.IntegerModel.MaxPool;
import io.shiftq.engine.deploy.IntegerModel.Op;
import io.shiftq.engine.deploy.IntegerModel.PassThrough;
import io.shiftq.engine.deploy.IntegerModel.Quantizer;
import io.shiftq.engine.deploy.IntegerModel.Relu;
import io.shiftq.engine.deploy.IntegerModel.Weighted;
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
 * exactly what {@link IntegerExecutor} computes.
 *
 * <p>The C is written for HLS tools and DSP compilers as much as for gcc: static buffers (no heap), integers only,
 * constant loop bounds, no recursion, no variable-length arrays, buffer types sized from each quantizer's bitwidth
 * and accumulators 32-bit where the layer's worst case fits (64-bit otherwise). Every shift goes through one helper
 * that mirrors {@link IntegerExecutor#shiftRight}, so no shift or add in it is undefined behaviour in C99.
 */
public final class CSource {
    /** File name of the C source. */
    public static final String FILE = "shiftq_model.c";
    /** File name of the example program (reads an IDX file, prints the accuracy); it includes {@link #FILE}. */
    public static final String MAIN_FILE = "shiftq_main.c";

    private static final long INT32_LIMIT = Integer.MAX_VALUE;

    private final IntegerModel model;
    private final List<int[]> shapes;
    private final Quantizer[] values;
    private final String[] buffers;
    private final StringBuilder declarations = new StringBuilder();
    private final StringBuilder functions = new StringBuilder();
    private final StringBuilder calls = new StringBuilder();

    private CSource(IntegerModel model) {
        this.model = model;
        this.shapes = ModelFiles.shapes(model);
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
        c.append(CSourceText.helpers(model.ops().stream().anyMatch(o -> o instanceof AvgPool p && !p.powerOfTwo())));
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
            if (op instanceof Weighted w && w.inputs().get(0) == IntegerModel.INPUT) {
                if (q != null && !q.equals(w.input())) {
                    throw new IllegalArgumentException(w.name() + " quantizes the network input as " + w.input()
                            + ", another layer as " + q + "; shiftq_infer takes one array of input codes");
                }
                q = w.input();
            }
        }
        if (q == null) {
            throw new IllegalArgumentException("no layer reads the network input");
        }
        return q;
    }

    private int inputSize() {
        return size(model.inputShape());
    }

    private void op(int i) {
        Op op = model.ops().get(i);
        int j = op.inputs().get(0);
        if (op instanceof PassThrough || (op instanceof Relu r && r.fused())) {
            // Same codes in the same layout: the op reads its producer's buffer.
            buffers[i] = buffers[j];
            return;
        }
        String id = CHeader.ident(op.name());
        buffers[i] = "buf_" + id;
        String type = codeType(values[i]);
        int n = size(shapes.get(i));
        functions
                .append("/* ")
                .append(op.name())
                .append(": ")
                .append(describe(op))
                .append(" */\n");
        if (op instanceof Weighted w) {
            weighted(i, w);
        } else if (op instanceof Add a) {
            functions.append(CSourceText.add(
                    id,
                    CHeader.macro(op.name()),
                    codeType(values[a.inputs().get(0)]),
                    codeType(values[a.inputs().get(1)]),
                    type,
                    n));
            call(id, buffers[a.inputs().get(0)], buffers[a.inputs().get(1)], buffers[i]);
        } else if (op instanceof Relu) {
            functions.append(CSourceText.clamp(id, type, n, null));
            call(id, buffers[j], buffers[i]);
        } else if (op instanceof ClippedRelu r) {
            functions.append(CSourceText.clamp(id, type, n, CHeader.macro(op.name()) + "_CAP"));
            call(id, buffers[j], buffers[i]);
        } else if (op instanceof MaxPool p) {
            functions.append(CSourceText.pool(id, type, type, shapes.get(j), shapes.get(i), p.kernel(), p.stride()));
            call(id, buffers[j], buffers[i]);
        } else if (op instanceof AvgPool p) {
            functions.append(CSourceText.avgPool(
                    id, CHeader.macro(op.name()), codeType(values[j]), type, shapes.get(j), shapes.get(i), p));
            call(id, buffers[j], buffers[i]);
        } else if (op instanceof Concat cat) {
            concat(i, cat, id, type, n);
        }
        functions.append('\n');
        declare(buffers[i], type, n, op.name());
    }

    private void weighted(int i, Weighted w) {
        int j = w.inputs().get(0);
        String id = CHeader.ident(w.name());
        String src = j == IntegerModel.INPUT ? "shiftq_input_t" : codeType(values[j]);
        String acc = accumulatorFits32(w) ? "int32_t" : "int64_t";
        CSourceText.Layer l = new CSourceText.Layer(
                id,
                CHeader.macro(w.name()),
                src,
                codeType(w.input()),
                codeType(w.output()),
                acc,
                j == IntegerModel.INPUT ? model.inputShape() : shapes.get(j),
                shapes.get(i),
                w.biases() != null,
                j != IntegerModel.INPUT);
        functions.append(w.isConv() ? CSourceText.conv(l, w.geometry()) : CSourceText.linear(l));
        call(id, j == IntegerModel.INPUT ? "input" : buffers[j], buffers[i]);
    }

    private void concat(int i, Concat c, String id, String type, int n) {
        String macro = CHeader.macro(c.name());
        StringBuilder params = new StringBuilder();
        StringBuilder body = new StringBuilder();
        StringBuilder args = new StringBuilder();
        int at = 0;
        for (int k = 0; k < c.inputs().size(); k++) {
            int j = c.inputs().get(k);
            int len = size(shapes.get(j));
            params.append("const ")
                    .append(codeType(values[j]))
                    .append(" x")
                    .append(k)
                    .append('[')
                    .append(len)
                    .append("], ");
            body.append(CSourceText.alignLoop("x" + k, type, at, len, macro + "_ALIGN_SHIFT_" + k, macro + "_OUTPUT"));
            args.append(buffers[j]).append(", ");
            at += len;
        }
        functions
                .append("static void op_")
                .append(id)
                .append('(')
                .append(params)
                .append(type)
                .append(" y[")
                .append(n)
                .append("])\n{\n")
                .append(body)
                .append("}\n");
        calls.append("    op_")
                .append(id)
                .append('(')
                .append(args)
                .append(buffers[i])
                .append(");\n");
    }

    private void call(String id, String... args) {
        calls.append("    op_")
                .append(id)
                .append('(')
                .append(String.join(", ", args))
                .append(");\n");
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

    /**
     * Whether the layer's accumulator stays inside int32 for any input codes: |bias| + sum |w| * max|x| per output
     * channel, with x in the layer's input quantizer.
     */
    static boolean accumulatorFits32(Weighted w) {
        int[] codes = w.weights().codes();
        int out = w.geometry().outChannels();
        int per = codes.length / out;
        long xMax = Math.max(Math.abs(w.input().qmin()), Math.abs(w.input().qmax()));
        for (int oc = 0; oc < out; oc++) {
            long bound = w.biases() == null ? 0 : Math.abs(w.biases().codes()[oc]);
            for (int k = oc * per; k < (oc + 1) * per; k++) {
                bound += Math.abs((long) codes[k]) * xMax;
                if (bound > INT32_LIMIT) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The smallest C integer type that holds every code of the quantizer. */
    static String codeType(Quantizer q) {
        if (q.bits() > 32) {
            return "int64_t";
        }
        String base = q.bits() <= 8 ? "int8_t" : q.bits() <= 16 ? "int16_t" : "int32_t";
        return q.signed() ? base : "u" + base;
    }

    private static String describe(Op op) {
        return op.type()
                + (op instanceof Weighted w && w.fusedRelu() ? ", fused ReLU" : "")
                + (op instanceof Add a && a.fusedRelu() ? ", fused ReLU" : "");
    }

    private static int size(int[] shape) {
        return CSourceText.size(shape);
    }
}
