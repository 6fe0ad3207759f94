package io.shiftq.engine.onnx;

import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.PointwiseFunction;
import io.shiftq.engine.model.Shapes;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.onnx.OnnxGraph.Node;
import io.shiftq.engine.onnx.OnnxGraph.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds shiftq's own {@link Network} and FP32 {@link StateDict} from an ONNX classifier, so every step, the shift
 * records, the integer executor and the exports work on it as on a built-in model.
 *
 * <p>Layer names are the ONNX node names without a leading {@code /} ({@code /layer1/conv1/Conv} becomes
 * {@code layer1/conv1/Conv}: a leading slash would make an absolute path of the npz entry); parameters are
 * {@code <layer>.weight}, {@code <layer>.bias} and, for BatchNormalization, {@code .running_mean} and
 * {@code .running_var}. Every node is checked before anything is built: an unsupported operator is refused naming
 * the node, the operator and {@link #SUPPORTED}, and so is an attribute the engine does not implement (dilation,
 * asymmetric padding, non-square kernels, broadcasting adds). Constant subgraphs are folded first ({@link ConstantFolding}).
 */
public final class OnnxImport {
    /**
     * The operators read. Identity and Dropout vanish (inference); Constant, Shape, Gather, Cast, Unsqueeze, Squeeze
     * and arithmetic on constants are folded into constants (the exporters' shape arithmetic for a flatten). Sigmoid,
     * HardSigmoid, HardSwish, Tanh, Gelu and LeakyRelu are lookup tables in integers; Mul of two tensors, channel
     * shuffles and slices run in float only for now.
     */
    public static final List<String> SUPPORTED = List.of(
            "Conv",
            "BatchNormalization",
            "Relu",
            "Clip",
            "MaxPool",
            "AveragePool",
            "GlobalAveragePool",
            "ReduceMean",
            "Add",
            "Mul",
            "Concat",
            "Gemm",
            "MatMul",
            "Flatten",
            "Reshape",
            "Transpose",
            "Split",
            "Slice",
            "Squeeze",
            "Unsqueeze",
            "Sigmoid",
            "HardSigmoid",
            "HardSwish",
            "Tanh",
            "Gelu",
            "LeakyRelu",
            "Identity",
            "Dropout",
            "Constant",
            "Shape",
            "Gather",
            "Cast",
            "Sub",
            "Div");

    /** A refusal message longer than this is cut (an operator the engine lacks can occur hundreds of times). */
    static final int MAX_REFUSAL_CHARS = 1000;

    private final OnnxGraph graph;
    private final String networkName;
    private final Map<String, Tensor> constants = new HashMap<>();
    /** Tensor name -> node index producing it (Network.INPUT for the graph input). */
    private final Map<String, Integer> producer = new HashMap<>();
    /** Tensor name -> per-sample shape ([C, H, W] or [F]). */
    private final Map<String, int[]> shapes = new HashMap<>();

    private final List<Network.Node> nodes = new ArrayList<>();
    private final List<int[]> nodeShapes = new ArrayList<>();
    private final Map<String, HeapTensor> params = new LinkedHashMap<>();
    private final Set<String> names = new HashSet<>();
    /** Tensors of a channel shuffle in progress: [N, g, C/g, H, W] views (and their transposes) of a computed tensor. */
    private final Map<String, GroupedView> grouped = new HashMap<>();

    /**
     * A [N, groups, C / groups, H, W] view of a computed tensor, the middle of a channel shuffle.
     *
     * @param source the tensor viewed
     * @param groups the groups
     * @param transposed whether the two group axes are swapped
     */
    private record GroupedView(String source, int groups, boolean transposed) {}
    /** The batch size the graph input names (1 when dynamic), for folding {@code Shape}. */
    private long batch = 1;

    /**
     * The imported model.
     *
     * @param network the network, BatchNorm nodes kept (folded later as for any model)
     * @param weights its FP32 parameters
     */
    public record Imported(Network network, StateDict weights) {}

    private OnnxImport(OnnxGraph graph, String networkName) {
        this.graph = graph;
        this.networkName = networkName;
    }

    /** Reads an .onnx file; the network is named after the file (without {@code .onnx}). */
    public static Imported load(Path file) throws IOException {
        String base = file.getFileName().toString().replaceFirst("\\.onnx$", "");
        OnnxGraph g = OnnxGraph.read(file);
        try {
            return build(g, base);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model.path: " + file + ": " + e.getMessage(), e);
        }
    }

    /** Builds from a parsed graph. */
    public static Imported build(OnnxGraph g, String networkName) {
        checkOperators(g);
        return new OnnxImport(g, networkName).run();
    }

    /**
     * Refuses the graph when any node's operator is not read: one entry per operator with its count and first node
     * ({@code Sigmoid x49, first /features.0/Sigmoid}), then the supported list, under {@link #MAX_REFUSAL_CHARS}.
     */
    static void checkOperators(OnnxGraph g) {
        Map<String, List<String>> bad = new LinkedHashMap<>();
        for (Node n : g.nodes()) {
            boolean defaultDomain = n.domain().isEmpty() || n.domain().equals("ai.onnx");
            if (!defaultDomain || !SUPPORTED.contains(n.opType())) {
                String op = (defaultDomain ? "" : n.domain() + ".") + n.opType();
                bad.computeIfAbsent(op, k -> new ArrayList<>()).add(n.name());
            }
        }
        if (bad.isEmpty()) {
            return;
        }
        List<String> parts = new ArrayList<>();
        bad.forEach((op, where) -> parts.add(op + " x" + where.size() + ", first " + shortName(where.get(0))));
        String message = "unsupported operator" + (bad.size() > 1 ? "s" : "") + ": " + String.join("; ", parts)
                + ". Supported: " + String.join(", ", SUPPORTED);
        throw new IllegalArgumentException(
                message.length() <= MAX_REFUSAL_CHARS ? message : message.substring(0, MAX_REFUSAL_CHARS - 3) + "...");
    }

    /** A node name cut to its first and last parts when long, so one entry stays on one short line. */
    private static String shortName(String name) {
        if (name.isEmpty()) {
            return "(unnamed)";
        }
        return name.length() <= 60 ? name : name.substring(0, 24) + "..." + name.substring(name.length() - 32);
    }

    private Imported run() {
        if (graph.inputs().size() != 1) {
            throw new IllegalArgumentException("the graph must have exactly one input, has "
                    + graph.inputs().size());
        }
        OnnxGraph.ValueInfo input = graph.inputs().get(0);
        long[] d = input.dims();
        if (d.length != 4 || d[1] <= 0 || d[2] <= 0 || d[3] <= 0) {
            throw new IllegalArgumentException(
                    "input '" + input.name() + "' must be [N, C, H, W] with fixed C, H, W, has " + Arrays.toString(d));
        }
        int[] inShape = {(int) d[1], (int) d[2], (int) d[3]};
        producer.put(input.name(), Network.INPUT);
        shapes.put(input.name(), inShape);
        constants.putAll(graph.initializers());
        batch = d[0] > 0 ? d[0] : 1;
        for (Node n : graph.nodes()) {
            Tensor folded =
                    ConstantFolding.fold(n, constants, t -> producer.containsKey(t) ? shapes.get(t) : null, batch);
            if (folded != null) {
                constants.put(folded.name(), folded);
            } else {
                convert(n);
            }
        }
        if (graph.outputs().size() != 1) {
            throw new IllegalArgumentException("the graph must have exactly one output (the logits), has "
                    + graph.outputs().size());
        }
        String out = graph.outputs().get(0).name();
        Integer last = producer.get(out);
        if (last == null || last != nodes.size() - 1) {
            throw new IllegalArgumentException(
                    "the output '" + out + "' must be produced by the graph's last computing node");
        }
        int[] logits = shapes.get(out);
        if (logits.length != 1) {
            throw new IllegalArgumentException(
                    "the output '" + out + "' must be [N, classes], has per-sample shape " + Arrays.toString(logits));
        }
        Network network = new Network(networkName, List.copyOf(nodes), inShape, logits[0]);
        Map<String, HeapTensor> ordered = new LinkedHashMap<>();
        network.parameterShapes().keySet().forEach(k -> ordered.put(k, params.get(k)));
        StateDict weights = new StateDict(ordered);
        weights.checkFits(network);
        return new Imported(network, weights);
    }

    private void convert(Node n) {
        switch (n.opType()) {
            case "Constant" -> {
                OnnxGraph.Attribute value = n.attributes().get("value");
                if (value == null || value.t() == null) {
                    throw refuse(n, "only a tensor 'value' is read");
                }
                constants.put(n.outputs().get(0), value.t());
            }
            case "Identity", "Dropout" -> alias(n);
            case "Conv" -> conv(n);
            case "BatchNormalization" -> batchNorm(n);
            case "Relu" -> add(n, new Layer.ReLU(name(n)), List.of(in(n, 0)), shape(n, 0));
            case "Clip" -> clip(n);
            case "MaxPool", "AveragePool" -> pool(n);
            case "GlobalAveragePool" -> globalAverage(n, true);
            case "ReduceMean" -> reduceMean(n);
            case "Squeeze", "Unsqueeze" -> squeeze(n);
            case "Sigmoid" -> add(n, new Layer.Sigmoid(name(n)), List.of(in(n, 0)), shape(n, 0));
            case "HardSigmoid" ->
                add(
                        n,
                        new Layer.HardSigmoid(name(n), n.floatAttr("alpha", 0.2f), n.floatAttr("beta", 0.5f)),
                        List.of(in(n, 0)),
                        shape(n, 0));
            case "HardSwish" -> add(n, new Layer.HardSwish(name(n)), List.of(in(n, 0)), shape(n, 0));
            case "Tanh" -> pointwise(n, PointwiseFunction.of(PointwiseFunction.Kind.TANH));
            case "LeakyRelu" ->
                pointwise(n, new PointwiseFunction(PointwiseFunction.Kind.LEAKY_RELU, n.floatAttr("alpha", 0.01f), 0f));
            case "Gelu" -> {
                if (!n.stringAttr("approximate", "none").equals("none")) {
                    throw refuse(n, "only the exact GELU (approximate \"none\") is read");
                }
                pointwise(n, PointwiseFunction.of(PointwiseFunction.Kind.GELU));
            }
            case "Mul" -> mul(n);
            case "Add" -> addNode(n);
            case "Sub" -> sub(n);
            case "Div" -> div(n);
            case "Concat" -> concat(n);
            case "Gemm" -> gemm(n);
            case "MatMul" -> matMul(n);
            case "Flatten" -> {
                if (n.intAttr("axis", 1) != 1) {
                    throw refuse(n, "only axis 1 is read (keep the batch dimension)");
                }
                add(n, new Layer.Flatten(name(n)), List.of(in(n, 0)), new int[] {Shapes.size(shape(n, 0))});
            }
            case "Reshape" -> reshape(n);
            case "Transpose" -> transpose(n);
            case "Split" -> split(n);
            case "Slice" -> slice(n);
            default -> throw refuse(n, "unsupported; supported: " + String.join(", ", SUPPORTED));
        }
    }

    private void alias(Node n) {
        String x = n.inputs().get(0);
        producer.put(n.outputs().get(0), index(n, x));
        shapes.put(n.outputs().get(0), shapes.get(x));
    }

    private void conv(Node n) {
        int[] s = shape(n, 0);
        Tensor w = constant(n, 1, "weight");
        Tensor b = n.inputs().size() > 2 && !n.inputs().get(2).isEmpty() ? constant(n, 2, "bias") : null;
        if (s.length != 3 || w.dims().length != 4) {
            throw refuse(n, "only 2-D convolutions of [N, C, H, W] are read");
        }
        int groups = (int) n.intAttr("group", 1);
        int out = (int) w.dims()[0];
        int k = (int) w.dims()[2];
        if (w.dims()[3] != k) {
            throw refuse(n, "kernel " + w.dims()[2] + "x" + w.dims()[3] + " is not square");
        }
        if (w.dims()[1] * groups != s[0]) {
            throw refuse(
                    n,
                    "weight " + Arrays.toString(w.dims()) + " with " + groups + " groups does not read " + s[0]
                            + " channels");
        }
        checkAutoPad(n);
        checkOnes(n, "dilations");
        int stride = square(n, "strides", 1);
        int pad = symmetricPad(n);
        String name = name(n);
        Layer.Conv2d layer = new Layer.Conv2d(name, s[0], out, k, stride, pad, b != null, groups);
        params.put(name + ".weight", heap(w));
        if (b != null) {
            params.put(name + ".bias", heap(b));
        }
        add(n, layer, List.of(in(n, 0)), Shapes.conv(s, out, k, stride, pad));
    }

    private void batchNorm(Node n) {
        int[] s = shape(n, 0);
        if (n.intAttr("training_mode", 0) != 0 || n.outputs().size() > 1) {
            throw refuse(n, "only inference-mode BatchNormalization is read (export the model in eval mode)");
        }
        String name = name(n);
        String[] keys = {"weight", "bias", "running_mean", "running_var"};
        for (int k = 0; k < 4; k++) {
            params.put(name + "." + keys[k], heap(constant(n, k + 1, keys[k])));
        }
        float eps = n.floatAttr("epsilon", 1e-5f);
        add(n, new Layer.BatchNorm2d(name, s[0], eps, 0.1f), List.of(in(n, 0)), s);
    }

    private void clip(Node n) {
        float lo;
        float hi;
        if (graph.opset() < 11) {
            lo = n.floatAttr("min", Float.NEGATIVE_INFINITY);
            hi = n.floatAttr("max", Float.POSITIVE_INFINITY);
        } else {
            lo = n.inputs().size() > 1 && !n.inputs().get(1).isEmpty() ? scalar(n, 1, "min") : Float.NEGATIVE_INFINITY;
            hi = n.inputs().size() > 2 && !n.inputs().get(2).isEmpty() ? scalar(n, 2, "max") : Float.POSITIVE_INFINITY;
        }
        if (lo != 0f || !(hi > 0f)) {
            throw refuse(n, "only Clip(0, max) is read (ReLU6 and its kind), got min " + lo + ", max " + hi);
        }
        Layer layer = Float.isInfinite(hi) ? new Layer.ReLU(name(n)) : new Layer.ClippedReLU(name(n), hi);
        add(n, layer, List.of(in(n, 0)), shape(n, 0));
    }

    private void pointwise(Node n, PointwiseFunction f) {
        add(n, new Layer.Pointwise(name(n), f), List.of(in(n, 0)), shape(n, 0));
    }

    private void pool(Node n) {
        int[] s = shape(n, 0);
        long[] kernel = n.intsAttr("kernel_shape");
        if (kernel == null || kernel.length != 2 || kernel[0] != kernel[1]) {
            throw refuse(n, "only square 2-D windows are read, got " + Arrays.toString(kernel));
        }
        if (n.intAttr("storage_order", 0) != 0 || n.outputs().size() > 1) {
            throw refuse(n, "pooling indices are not read");
        }
        if (s.length != 3) {
            throw refuse(n, "reads [N, C, H, W], got per-sample shape " + Arrays.toString(s));
        }
        checkAutoPad(n);
        checkOnes(n, "dilations");
        int k = (int) kernel[0];
        int stride = square(n, "strides", 1);
        int pad = symmetricPad(n);
        boolean max = n.opType().equals("MaxPool");
        boolean includePad = n.intAttr("count_include_pad", 0) != 0;
        Layer.PaddedPool2d general =
                new Layer.PaddedPool2d(name(n), max, k, stride, pad, n.intAttr("ceil_mode", 0) != 0, includePad);
        int h = general.outputSize(s[1]);
        int w = general.outputSize(s[2]);
        Layer layer = general;
        boolean plain = pad == 0 && h == (s[1] - k) / stride + 1 && w == (s[2] - k) / stride + 1;
        if (plain) {
            // Without padding, ceil_mode that adds no partial window is the plain pool the integer path runs.
            layer = max
                    ? new Layer.MaxPool2d(general.name(), k, stride)
                    : new Layer.AvgPool2d(general.name(), k, stride);
        }
        add(n, layer, List.of(in(n, 0)), new int[] {s[0], h, w});
    }

    /** GlobalAveragePool, or ReduceMean over H and W: an average pool whose window is the whole (square) map. */
    private void globalAverage(Node n, boolean keepDims) {
        int[] s = shape(n, 0);
        if (s.length != 3 || s[1] != s[2]) {
            throw refuse(n, "needs a square [C, H, H] input, has " + Arrays.toString(s));
        }
        Layer.AvgPool2d pool = new Layer.AvgPool2d(name(n), s[1], s[1]);
        if (keepDims) {
            add(n, pool, List.of(in(n, 0)), new int[] {s[0], 1, 1});
            return;
        }
        nodes.add(new Network.Node(pool, List.of(in(n, 0))));
        nodeShapes.add(new int[] {s[0], 1, 1});
        add(n, new Layer.Flatten(pool.name() + "/flatten"), List.of(nodes.size() - 1), new int[] {s[0]});
    }

    private void reduceMean(Node n) {
        long[] axes = n.intsAttr("axes");
        if (axes == null && n.inputs().size() > 1 && !n.inputs().get(1).isEmpty()) {
            axes = constant(n, 1, "axes").longs();
        }
        int rank = shape(n, 0).length + 1;
        long[] normalized = axes == null
                ? null
                : Arrays.stream(axes).map(a -> a < 0 ? a + rank : a).sorted().toArray();
        if (rank != 4 || !Arrays.equals(normalized, new long[] {2, 3})) {
            throw refuse(
                    n,
                    "only a mean over height and width (axes 2, 3 of [N, C, H, W]) is read, got axes "
                            + Arrays.toString(axes));
        }
        globalAverage(n, n.intAttr("keepdims", 1) != 0);
    }

    /** Squeeze of [C, 1, 1] to [C] (a flatten); any other squeeze or unsqueeze of a computed tensor is refused. */
    private void squeeze(Node n) {
        int[] s = shape(n, 0);
        long[] axes = n.intsAttr("axes");
        if (axes == null && n.inputs().size() > 1 && !n.inputs().get(1).isEmpty()) {
            axes = constant(n, 1, "axes").longs();
        }
        boolean flatten = n.opType().equals("Squeeze")
                && s.length == 3
                && s[1] == 1
                && s[2] == 1
                && (axes == null
                        || Arrays.equals(
                                Arrays.stream(axes)
                                        .map(a -> a < 0 ? a + 4 : a)
                                        .sorted()
                                        .toArray(),
                                new long[] {2, 3}));
        if (!flatten) {
            throw refuse(
                    n,
                    "only a Squeeze of [N, C, 1, 1] to [N, C] is read on a computed tensor, got shape "
                            + Arrays.toString(s) + " axes " + Arrays.toString(axes));
        }
        add(n, new Layer.Flatten(name(n)), List.of(in(n, 0)), new int[] {s[0]});
    }

    /** Mul of two computed tensors of one shape, or of [C, H, W] by a [C, 1, 1] gate (squeeze-excitation). */
    private void mul(Node n) {
        if (selfGated(n)) {
            return;
        }
        for (int k = 0; k < 2; k++) {
            Tensor c = constants.get(n.inputs().get(k));
            if (c != null) {
                affine(n, n.inputs().get(1 - k), c, 1f, null, 1f);
                return;
            }
        }
        int[] a = shape(n, 0);
        int[] b = shape(n, 1);
        boolean gateSecond = a.length == 3 && Arrays.equals(b, new int[] {a[0], 1, 1});
        boolean gateFirst = b.length == 3 && Arrays.equals(a, new int[] {b[0], 1, 1});
        if (Arrays.equals(a, b) || gateSecond) {
            add(n, new Layer.Mul(name(n)), List.of(in(n, 0), in(n, 1)), a);
        } else if (gateFirst) {
            add(n, new Layer.Mul(name(n)), List.of(in(n, 1), in(n, 0)), b);
        } else {
            throw refuse(
                    n,
                    "multiplies shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                            + "; only equal shapes or a [C, 1, 1] gate are read");
        }
    }

    /**
     * x * Sigmoid(x) is SiLU and x * HardSigmoid(x; 1/6, 1/2) is HardSwish, as the exporters write them (PyTorch's
     * SiLU always, Hardswish at opsets below 14): when the gate reads the Mul's other input and nothing else reads
     * the gate, the two nodes become one activation, so the integer path runs one table on x's codes instead of a
     * table and a product (one rounding instead of two). True when the node was fused.
     */
    private boolean selfGated(Node n) {
        for (int k = 0; k < 2; k++) {
            String gate = n.inputs().get(k);
            Integer j = producer.get(gate);
            Integer x = producer.get(n.inputs().get(1 - k));
            if (j == null || x == null || j == Network.INPUT || readers(gate) != 1) {
                continue;
            }
            Network.Node g = nodes.get(j);
            PointwiseFunction f = g.layer().pointwise().orElse(null);
            if (f == null || !g.inputs().equals(List.of(x))) {
                continue;
            }
            boolean hardSwishGate = f.kind() == PointwiseFunction.Kind.HARD_SIGMOID
                    && Math.abs(f.alpha() - 1f / 6) < 1e-6f
                    && f.beta() == 0.5f;
            Layer fused = f.kind() == PointwiseFunction.Kind.SIGMOID
                    ? new Layer.Pointwise(name(n), PointwiseFunction.of(PointwiseFunction.Kind.SILU))
                    : hardSwishGate ? new Layer.HardSwish(name(n)) : null;
            if (fused != null) {
                nodes.set(j, new Network.Node(fused, g.inputs()));
                producer.put(n.outputs().get(0), j);
                shapes.put(n.outputs().get(0), nodeShapes.get(j));
                return true;
            }
        }
        return false;
    }

    /** How many node inputs and graph outputs read the tensor. */
    private int readers(String tensor) {
        int count = 0;
        for (Node m : graph.nodes()) {
            count += (int) m.inputs().stream().filter(tensor::equals).count();
        }
        for (OnnxGraph.ValueInfo o : graph.outputs()) {
            count += o.name().equals(tensor) ? 1 : 0;
        }
        return count;
    }

    private void addNode(Node n) {
        String a = n.inputs().get(0);
        String b = n.inputs().get(1);
        boolean ca = constants.containsKey(a);
        boolean cb = constants.containsKey(b);
        if (ca || cb) {
            if (!biasAdd(n, ca ? b : a, constants.get(ca ? a : b))) {
                affine(n, ca ? b : a, null, 1f, constants.get(ca ? a : b), 1f);
            }
            return;
        }
        if (!Arrays.equals(shape(n, 0), shape(n, 1))) {
            throw refuse(
                    n,
                    "adds tensors of shapes " + Arrays.toString(shape(n, 0)) + " and " + Arrays.toString(shape(n, 1))
                            + "; only same-shape (residual) adds are read");
        }
        add(n, new Layer.Add(name(n)), List.of(in(n, 0), in(n, 1)), shape(n, 0));
    }

    /** Add(MatMul(x, W), b): the bias of the linear layer MatMul made. False when x is not such a layer's output. */
    private boolean biasAdd(Node n, String x, Tensor bias) {
        int j = index(n, x);
        if (j < 0 || !(nodes.get(j).layer() instanceof Layer.Linear l) || l.bias()) {
            return false;
        }
        if (bias.floats().length != l.outFeatures()) {
            throw refuse(n, "bias of " + bias.floats().length + " values for " + l.outFeatures() + " features");
        }
        Layer.Linear withBias = new Layer.Linear(l.name(), l.inFeatures(), l.outFeatures(), true);
        nodes.set(j, new Network.Node(withBias, nodes.get(j).inputs()));
        params.put(
                l.name() + ".bias",
                new HeapTensor(new long[] {l.outFeatures()}, bias.floats().clone()));
        producer.put(n.outputs().get(0), j);
        shapes.put(n.outputs().get(0), nodeShapes.get(j));
        return true;
    }

    /** x - c or c - x with a constant c; the difference of two computed tensors is not read. */
    private void sub(Node n) {
        Tensor first = constants.get(n.inputs().get(0));
        Tensor second = constants.get(n.inputs().get(1));
        if (second != null) {
            affine(n, n.inputs().get(0), null, 1f, second, -1f);
        } else if (first != null) {
            affine(n, n.inputs().get(1), null, -1f, first, 1f);
        } else {
            throw refuse(n, "subtracts two computed tensors; only a constant subtracted or subtracted from is read");
        }
    }

    /** x / c with a constant c. */
    private void div(Node n) {
        Tensor c = constants.get(n.inputs().get(1));
        if (c == null) {
            throw refuse(n, "divides by a computed tensor; only division by a constant is read");
        }
        float[] inverse = c.floats().clone();
        for (int k = 0; k < inverse.length; k++) {
            inverse[k] = 1f / inverse[k];
        }
        affine(n, n.inputs().get(0), new Tensor(c.name(), c.dims(), 1, inverse, null), 1f, null, 1f);
    }

    /**
     * y = xSign * scale * x + shiftSign * shift, scale and shift constants of one value or one per channel of a
     * [C, H, W] map ([C, 1, 1] or [1, C, 1, 1]): a per-channel affine, so a depthwise 1x1 convolution with bias (as
     * a BatchNorm with no convolution before it), quantized as any convolution.
     */
    private void affine(Node n, String x, Tensor scale, float xSign, Tensor shift, float shiftSign) {
        int[] s = shape(n, n.inputs().indexOf(x));
        if (s.length != 3) {
            throw refuse(
                    n,
                    "arithmetic with a constant is read on a [N, C, H, W] map only, got per-sample shape "
                            + Arrays.toString(s));
        }
        int c = s[0];
        float[] w = perChannel(n, scale, c, 1f);
        float[] b = perChannel(n, shift, c, 0f);
        for (int k = 0; k < c; k++) {
            w[k] *= xSign;
            b[k] *= shiftSign;
        }
        String name = name(n);
        params.put(name + ".weight", new HeapTensor(new long[] {c, 1, 1, 1}, w));
        params.put(name + ".bias", new HeapTensor(new long[] {c}, b));
        add(n, new Layer.Conv2d(name, c, c, 1, 1, 0, true, c), List.of(index(n, x)), s);
    }

    /** One value per channel from a constant of one value or of one per channel ([C], [C, 1, 1], [1, C, 1, 1]). */
    private static float[] perChannel(Node n, Tensor t, int channels, float none) {
        float[] out = new float[channels];
        if (t == null) {
            Arrays.fill(out, none);
            return out;
        }
        float[] v = t.floats();
        long[] d = t.dims();
        int nonOne = 0;
        for (int k = 0; k < d.length; k++) {
            nonOne += d[k] != 1 ? 1 : 0;
        }
        // ONNX broadcasts from the right: a [C] constant would run along W, so the channels are axis -3.
        boolean channelAxis = d.length >= 3 && d[d.length - 3] == v.length;
        if (v.length == 1) {
            Arrays.fill(out, v[0]);
        } else if (v.length == channels && nonOne == 1 && channelAxis) {
            System.arraycopy(v, 0, out, 0, channels);
        } else {
            throw refuse(
                    n,
                    "a constant of shape " + Arrays.toString(d) + " is read only as one value or one per" + " channel");
        }
        return out;
    }

    private void concat(Node n) {
        int[] first = shape(n, 0);
        long axis = n.intAttr("axis", 1);
        if (axis < 0) {
            axis += first.length + 1;
        }
        if (axis != 1) {
            throw refuse(n, "only concatenation along channels (axis 1) is read, got axis " + n.intAttr("axis", 1));
        }
        int[] out = first.clone();
        List<Integer> in = new ArrayList<>();
        for (int k = 0; k < n.inputs().size(); k++) {
            int[] s = shape(n, k);
            if (s.length != first.length
                    || !Arrays.equals(Arrays.copyOfRange(s, 1, s.length), Arrays.copyOfRange(first, 1, first.length))) {
                throw refuse(
                        n,
                        "inputs of shapes " + Arrays.toString(first) + " and " + Arrays.toString(s)
                                + " differ beyond the channel dimension");
            }
            if (k > 0) {
                out[0] += s[0];
            }
            in.add(in(n, k));
        }
        add(n, new Layer.Concat(name(n)), in, out);
    }

    private void gemm(Node n) {
        int[] s = shape(n, 0);
        if (s.length != 1) {
            throw refuse(n, "reads [N, features], got per-sample shape " + Arrays.toString(s) + "; flatten first");
        }
        if (n.intAttr("transA", 0) != 0 || n.floatAttr("alpha", 1f) != 1f || n.floatAttr("beta", 1f) != 1f) {
            throw refuse(n, "only Gemm with transA 0, alpha 1 and beta 1 is read");
        }
        Tensor b = constant(n, 1, "weight");
        boolean transB = n.intAttr("transB", 0) != 0;
        HeapTensor w = transB ? heap(b) : transpose(b);
        Tensor c = n.inputs().size() > 2 && !n.inputs().get(2).isEmpty() ? constant(n, 2, "bias") : null;
        linear(n, s[0], w, c == null ? null : c.floats());
    }

    private void matMul(Node n) {
        int[] s = shape(n, 0);
        if (s.length != 1) {
            throw refuse(n, "reads [N, features], got per-sample shape " + Arrays.toString(s) + "; flatten first");
        }
        linear(n, s[0], transpose(constant(n, 1, "weight")), null);
    }

    private void linear(Node n, int inFeatures, HeapTensor w, float[] bias) {
        if (w.shape().length != 2 || w.shape()[1] != inFeatures) {
            throw refuse(n, "weight " + Arrays.toString(w.shape()) + " does not read " + inFeatures + " features");
        }
        int out = (int) w.shape()[0];
        if (bias != null && bias.length != out) {
            throw refuse(n, "bias of " + bias.length + " values for " + out + " features (no broadcasting)");
        }
        String name = name(n);
        params.put(name + ".weight", w);
        if (bias != null) {
            params.put(name + ".bias", new HeapTensor(new long[] {out}, bias.clone()));
        }
        add(n, new Layer.Linear(name, inFeatures, out, bias != null), List.of(in(n, 0)), new int[] {out});
    }

    private void reshape(Node n) {
        Tensor target = constant(n, 1, "shape");
        long[] t = target.longs();
        if (channelShuffle(n, t)) {
            return;
        }
        int[] s = shape(n, 0);
        int features = Shapes.size(s);
        boolean literalZero =
                n.intAttr("allowzero", 0) != 0 && t != null && Arrays.stream(t).anyMatch(v -> v == 0);
        boolean flat = t != null
                && !literalZero
                && t.length == 2
                && (t[1] == -1 || t[1] == features)
                && (t[0] == 0 || t[0] == -1 || t[1] == -1 || t[0] >= 1);
        if (!flat || (t[0] == -1 && t[1] == -1)) {
            throw refuse(n, "only a reshape to [N, features] (a flatten) is read, got " + Arrays.toString(t));
        }
        add(n, new Layer.Flatten(name(n)), List.of(in(n, 0)), new int[] {features});
    }

    /**
     * The reshapes of a channel shuffle: [N, C, H, W] to [N, g, C/g, H, W] starts a view; the view, transposed, back
     * to [N, C, H, W] is one {@link Layer.ChannelShuffle}. True when the node was one of these.
     */
    private boolean channelShuffle(Node n, long[] t) {
        String x = n.inputs().get(0);
        GroupedView view = grouped.get(x);
        if (view != null) {
            int[] s = shapes.get(view.source());
            boolean back =
                    view.transposed() && t != null && t.length == 4 && t[1] == s[0] && t[2] == s[1] && t[3] == s[2];
            if (!back) {
                throw refuse(n, "only the channel shuffle's reshape back to [N, C, H, W] is read here");
            }
            add(n, new Layer.ChannelShuffle(name(n), view.groups()), List.of(index(n, view.source())), s);
            return true;
        }
        int[] s = producer.containsKey(x) ? shapes.get(x) : null;
        if (s != null
                && s.length == 3
                && t != null
                && t.length == 5
                && t[1] > 0
                && t[1] * t[2] == s[0]
                && t[3] == s[1]
                && t[4] == s[2]) {
            grouped.put(n.outputs().get(0), new GroupedView(x, (int) t[1], false));
            return true;
        }
        return false;
    }

    private void transpose(Node n) {
        GroupedView view = grouped.get(n.inputs().get(0));
        long[] perm = n.intsAttr("perm");
        if (view == null || view.transposed() || !Arrays.equals(perm, new long[] {0, 2, 1, 3, 4})) {
            throw refuse(
                    n,
                    "only the channel shuffle's transpose (perm [0, 2, 1, 3, 4] of a [N, g, C/g, H, W]"
                            + " view) is read, got perm " + Arrays.toString(perm));
        }
        grouped.put(n.outputs().get(0), new GroupedView(view.source(), view.groups(), true));
    }

    /** Split along channels into equal parts (num_outputs) or given sizes (the second input or attribute). */
    private void split(Node n) {
        int[] s = shape(n, 0);
        if (s.length != 3 || normalizedAxis(n.intAttr("axis", 0), 4) != 1) {
            throw refuse(n, "only a split of [N, C, H, W] along channels (axis 1) is read");
        }
        long[] sizes = n.inputs().size() > 1 && !n.inputs().get(1).isEmpty()
                ? constant(n, 1, "split").longs()
                : n.intsAttr("split");
        int parts = n.outputs().size();
        if (sizes == null || sizes.length == 0) {
            if (s[0] % parts != 0) {
                throw refuse(n, s[0] + " channels do not split into " + parts + " equal parts");
            }
            sizes = new long[parts];
            Arrays.fill(sizes, s[0] / parts);
        }
        int start = 0;
        for (int k = 0; k < parts; k++) {
            int end = start + (int) sizes[k];
            String layer = name(n) + (k == 0 ? "" : "_" + k);
            nodes.add(new Network.Node(new Layer.ChannelSlice(layer, start, end), List.of(in(n, 0))));
            int[] out = {end - start, s[1], s[2]};
            nodeShapes.add(out);
            producer.put(n.outputs().get(k), nodes.size() - 1);
            shapes.put(n.outputs().get(k), out);
            start = end;
        }
    }

    /** Slice along channels with step 1 (starts, ends, axes as constants: the exporters' arithmetic is folded). */
    private void slice(Node n) {
        int[] s = shape(n, 0);
        long[] starts = constant(n, 1, "starts").longs();
        long[] ends = constant(n, 2, "ends").longs();
        long[] axes = n.inputs().size() > 3 && !n.inputs().get(3).isEmpty()
                ? constant(n, 3, "axes").longs()
                : new long[] {0};
        long[] steps = n.inputs().size() > 4 && !n.inputs().get(4).isEmpty()
                ? constant(n, 4, "steps").longs()
                : new long[] {1};
        if (s.length != 3
                || starts.length != 1
                || axes.length != 1
                || normalizedAxis(axes[0], 4) != 1
                || steps[0] != 1) {
            throw refuse(n, "only a step-1 slice of [N, C, H, W] along channels (axis 1) is read");
        }
        int start = (int) clampIndex(starts[0], s[0]);
        int end = (int) clampIndex(ends[0], s[0]);
        if (end <= start) {
            throw refuse(n, "slices channels [" + start + ", " + end + "): empty");
        }
        add(n, new Layer.ChannelSlice(name(n), start, end), List.of(in(n, 0)), new int[] {end - start, s[1], s[2]});
    }

    private static long normalizedAxis(long axis, int rank) {
        return axis < 0 ? axis + rank : axis;
    }

    /** ONNX Slice's index rule: negative counts from the end, then clamped to [0, size]. */
    private static long clampIndex(long i, int size) {
        long v = i < 0 ? i + size : i;
        return Math.max(0, Math.min(size, v));
    }

    private void add(Node n, Layer layer, List<Integer> inputs, int[] outShape) {
        nodes.add(new Network.Node(layer, List.copyOf(inputs)));
        nodeShapes.add(outShape);
        producer.put(n.outputs().get(0), nodes.size() - 1);
        shapes.put(n.outputs().get(0), outShape);
    }

    /** A unique layer name: the node name without a leading slash, or operator + position when the node has none. */
    private String name(Node n) {
        String base = n.name().startsWith("/") ? n.name().substring(1) : n.name();
        if (base.isBlank()) {
            base = n.opType() + "_" + nodes.size();
        }
        String name = base;
        for (int k = 1; !names.add(name); k++) {
            name = base + "_" + k;
        }
        return name;
    }

    private int in(Node n, int slot) {
        return index(n, n.inputs().get(slot));
    }

    private int index(Node n, String tensor) {
        Integer j = producer.get(tensor);
        if (j == null) {
            throw refuse(
                    n,
                    "reads '" + tensor + "', which is neither the input nor a computed tensor"
                            + (constants.containsKey(tensor)
                                    ? " (a constant where a computed tensor is expected)"
                                    : ""));
        }
        return j;
    }

    private int[] shape(Node n, int slot) {
        in(n, slot);
        return shapes.get(n.inputs().get(slot));
    }

    private Tensor constant(Node n, int slot, String what) {
        Tensor t = slot < n.inputs().size() ? constants.get(n.inputs().get(slot)) : null;
        if (t == null) {
            throw refuse(
                    n,
                    "needs a constant " + what + " (an initializer), got '"
                            + (slot < n.inputs().size() ? n.inputs().get(slot) : "") + "'");
        }
        return t;
    }

    private float scalar(Node n, int slot, String what) {
        Tensor t = constant(n, slot, what);
        if (t.floats().length != 1) {
            throw refuse(n, what + " must be a scalar");
        }
        return t.floats()[0];
    }

    private static void checkAutoPad(Node n) {
        String p = n.stringAttr("auto_pad", "NOTSET");
        if (!p.equals("NOTSET") && !p.equals("VALID")) {
            throw refuse(n, "auto_pad " + p + " is not read; export with explicit pads");
        }
    }

    private static void checkOnes(Node n, String key) {
        long[] v = n.intsAttr(key);
        if (v != null && Arrays.stream(v).anyMatch(x -> x != 1)) {
            throw refuse(n, key + " " + Arrays.toString(v) + " are not read (only 1)");
        }
    }

    private static int square(Node n, String key, int dflt) {
        long[] v = n.intsAttr(key);
        if (v == null) {
            return dflt;
        }
        if (v.length != 2 || v[0] != v[1]) {
            throw refuse(n, key + " " + Arrays.toString(v) + " must be equal in both dimensions");
        }
        return (int) v[0];
    }

    private static int symmetricPad(Node n) {
        long[] p = n.intsAttr("pads");
        if (p == null) {
            return 0;
        }
        if (p.length != 4 || Arrays.stream(p).anyMatch(x -> x != p[0])) {
            throw refuse(n, "pads " + Arrays.toString(p) + " must be equal on every side");
        }
        return (int) p[0];
    }

    private static HeapTensor heap(Tensor t) {
        return new HeapTensor(t.dims().clone(), t.floats().clone());
    }

    private static HeapTensor transpose(Tensor t) {
        if (t.dims().length != 2) {
            throw new IllegalArgumentException(t.name() + ": a 2-D weight is needed, got " + Arrays.toString(t.dims()));
        }
        int r = (int) t.dims()[0];
        int c = (int) t.dims()[1];
        float[] out = new float[r * c];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                out[j * r + i] = t.floats()[i * c + j];
            }
        }
        return new HeapTensor(new long[] {c, r}, out);
    }

    private static IllegalArgumentException refuse(Node n, String why) {
        return new IllegalArgumentException("node '" + n.name() + "' (" + n.opType() + "): " + why);
    }
}
