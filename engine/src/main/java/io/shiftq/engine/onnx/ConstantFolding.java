package io.shiftq.engine.onnx;

import io.shiftq.engine.onnx.OnnxGraph.Node;
import io.shiftq.engine.onnx.OnnxGraph.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates the nodes of an ONNX graph whose inputs are all known at import time, so the shape arithmetic the
 * exporters write ({@code Shape -> Gather -> Unsqueeze -> Concat -> Reshape} for a flatten, {@code Identity} on an
 * initializer where two constants were equal, {@code Constant} nodes) becomes constants and never becomes a layer.
 * Shapes are fixed: the importer knows every computed tensor's shape, so {@code Shape} of one is a constant too.
 */
final class ConstantFolding {
    /** The operators folded when their inputs are constants ({@code Shape} when its input's shape is known). */
    static final Set<String> FOLDED = Set.of(
            "Constant",
            "Identity",
            "Shape",
            "Gather",
            "Concat",
            "Unsqueeze",
            "Squeeze",
            "Cast",
            "Reshape",
            "Add",
            "Sub",
            "Mul",
            "Div");

    private ConstantFolding() {}

    /**
     * The node's single output as a constant, or null when it cannot be folded (an input is computed).
     *
     * @param n the node
     * @param constants constant tensors by name
     * @param shape per-sample shape of a computed tensor, or null when the name is not one
     * @param batch the batch size written in the graph input (1 when dynamic)
     */
    static Tensor fold(
            Node n, Map<String, Tensor> constants, java.util.function.Function<String, int[]> shape, long batch) {
        if (!FOLDED.contains(n.opType()) || n.outputs().size() != 1) {
            return null;
        }
        String out = n.outputs().get(0);
        if (n.opType().equals("Constant")) {
            OnnxGraph.Attribute value = n.attributes().get("value");
            return value == null || value.t() == null ? null : rename(value.t(), out);
        }
        if (n.opType().equals("Shape")) {
            int[] s = shape.apply(n.inputs().get(0));
            return s == null ? null : shapeOf(out, s, batch, n);
        }
        List<Tensor> in = new ArrayList<>();
        for (String name : n.inputs()) {
            if (name.isEmpty()) {
                in.add(null);
                continue;
            }
            Tensor t = constants.get(name);
            if (t == null) {
                return null;
            }
            in.add(t);
        }
        return switch (n.opType()) {
            case "Identity", "Cast" -> rename(in.get(0), out);
            case "Gather" -> gather(out, in.get(0), in.get(1), n.intAttr("axis", 0));
            case "Concat" -> concat(out, in);
            case "Unsqueeze", "Squeeze", "Reshape" -> reshape(n, out, in);
            default -> arithmetic(n.opType(), out, in.get(0), in.get(1));
        };
    }

    private static Tensor shapeOf(String out, int[] s, long batch, Node n) {
        long[] dims = new long[s.length + 1];
        dims[0] = batch;
        for (int k = 0; k < s.length; k++) {
            dims[k + 1] = s[k];
        }
        int rank = dims.length;
        int start = (int) n.intAttr("start", 0);
        int end = (int) n.intAttr("end", rank);
        start = Math.max(0, Math.min(rank, start < 0 ? start + rank : start));
        end = Math.max(start, Math.min(rank, end < 0 ? end + rank : end));
        return ints(out, new long[] {end - start}, Arrays.copyOfRange(dims, start, end));
    }

    private static Tensor gather(String out, Tensor data, Tensor indices, long axis) {
        if (data.longs() == null || indices.longs() == null || data.dims().length != 1 || axis != 0) {
            return null;
        }
        long[] idx = indices.longs();
        long[] v = new long[idx.length];
        for (int k = 0; k < idx.length; k++) {
            v[k] = data.longs()[(int) (idx[k] < 0 ? idx[k] + data.longs().length : idx[k])];
        }
        return ints(out, indices.dims().clone(), v);
    }

    private static Tensor concat(String out, List<Tensor> in) {
        int total = 0;
        for (Tensor t : in) {
            if (t == null || t.longs() == null || t.dims().length != 1) {
                return null;
            }
            total += t.longs().length;
        }
        long[] v = new long[total];
        int at = 0;
        for (Tensor t : in) {
            System.arraycopy(t.longs(), 0, v, at, t.longs().length);
            at += t.longs().length;
        }
        return ints(out, new long[] {total}, v);
    }

    /** Unsqueeze, Squeeze and Reshape of a constant keep its values; only shape-sized results matter here. */
    private static Tensor reshape(Node n, String out, List<Tensor> in) {
        Tensor t = in.get(0);
        long[] dims;
        if (n.opType().equals("Reshape")) {
            if (in.get(1) == null || in.get(1).longs() == null) {
                return null;
            }
            dims = in.get(1).longs().clone();
            int free = -1;
            long known = 1;
            for (int k = 0; k < dims.length; k++) {
                if (dims[k] == 0 && n.intAttr("allowzero", 0) == 0 && k < t.dims().length) {
                    dims[k] = t.dims()[k];
                }
                if (dims[k] == -1) {
                    free = k;
                } else {
                    known *= dims[k];
                }
            }
            if (free >= 0) {
                dims[free] = known == 0 ? 0 : t.size() / known;
            }
        } else {
            long[] axes = n.intsAttr("axes");
            if (axes == null && in.size() > 1 && in.get(1) != null) {
                axes = in.get(1).longs();
            }
            dims = n.opType().equals("Unsqueeze") ? unsqueezed(t.dims(), axes) : squeezed(t.dims(), axes);
            if (dims == null) {
                return null;
            }
        }
        long count = 1;
        for (long d : dims) {
            count *= d;
        }
        if (count != t.size()) {
            return null;
        }
        return new Tensor(out, dims, t.dataType(), t.floats(), t.longs());
    }

    private static long[] unsqueezed(long[] dims, long[] axes) {
        if (axes == null) {
            return null;
        }
        int rank = dims.length + axes.length;
        boolean[] inserted = new boolean[rank];
        for (long a : axes) {
            inserted[(int) (a < 0 ? a + rank : a)] = true;
        }
        long[] out = new long[rank];
        int from = 0;
        for (int k = 0; k < rank; k++) {
            out[k] = inserted[k] ? 1 : dims[from++];
        }
        return out;
    }

    private static long[] squeezed(long[] dims, long[] axes) {
        List<Long> out = new ArrayList<>();
        for (int k = 0; k < dims.length; k++) {
            final int axis = k;
            boolean drop = axes == null
                    ? dims[k] == 1
                    : Arrays.stream(axes).anyMatch(a -> (a < 0 ? a + dims.length : a) == axis);
            if (!drop) {
                out.add(dims[k]);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /** Elementwise integer arithmetic on shape values (a scalar broadcasts); float constants are not folded. */
    private static Tensor arithmetic(String op, String out, Tensor a, Tensor b) {
        if (a == null || b == null || a.longs() == null || b.longs() == null) {
            return null;
        }
        int size = Math.max(a.longs().length, b.longs().length);
        if ((a.longs().length != size && a.longs().length != 1)
                || (b.longs().length != size && b.longs().length != 1)) {
            return null;
        }
        long[] v = new long[size];
        for (int k = 0; k < size; k++) {
            long x = a.longs()[a.longs().length == 1 ? 0 : k];
            long y = b.longs()[b.longs().length == 1 ? 0 : k];
            v[k] = switch (op) {
                case "Add" -> x + y;
                case "Sub" -> x - y;
                case "Mul" -> x * y;
                default -> y == 0 ? 0 : Math.floorDiv(x, y);
            };
        }
        return ints(out, (a.longs().length == size ? a : b).dims().clone(), v);
    }

    private static Tensor rename(Tensor t, String name) {
        return new Tensor(name, t.dims(), t.dataType(), t.floats(), t.longs());
    }

    private static Tensor ints(String name, long[] dims, long[] v) {
        float[] f = new float[v.length];
        for (int k = 0; k < v.length; k++) {
            f[k] = v[k];
        }
        return new Tensor(name, dims, 7, f, v);
    }
}
