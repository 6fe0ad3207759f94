package io.shiftq.engine.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX {@code ModelProto} the importer needs, read with {@link ProtoReader}: nodes with their
 * attributes, initializers (float, int64, int32, double) and the graph's inputs and outputs with their shapes.
 * Field numbers are those of {@code onnx.proto} (IR version 3 and later).
 *
 * @param name the graph's name
 * @param opset the default-domain opset version
 * @param nodes the nodes, in the file's (topological) order
 * @param initializers constant tensors by name
 * @param inputs graph inputs (initializers excluded)
 * @param outputs graph outputs
 */
public record OnnxGraph(
        String name,
        long opset,
        List<Node> nodes,
        Map<String, Tensor> initializers,
        List<ValueInfo> inputs,
        List<ValueInfo> outputs) {

    /**
     * One node.
     *
     * @param name node name (may be empty in the file)
     * @param opType operator, e.g. {@code Conv}
     * @param domain operator domain, empty for the default ONNX domain
     * @param inputs input tensor names ("" for an omitted optional input)
     * @param outputs output tensor names
     * @param attributes attributes by name
     */
    public record Node(
            String name,
            String opType,
            String domain,
            List<String> inputs,
            List<String> outputs,
            Map<String, Attribute> attributes) {

        /** An integer attribute, or the default. */
        public long intAttr(String key, long dflt) {
            Attribute a = attributes.get(key);
            return a == null ? dflt : a.i();
        }

        /** A float attribute, or the default. */
        public float floatAttr(String key, float dflt) {
            Attribute a = attributes.get(key);
            return a == null ? dflt : a.f();
        }

        /** An integer-list attribute, or null. */
        public long[] intsAttr(String key) {
            Attribute a = attributes.get(key);
            return a == null ? null : a.ints();
        }

        /** A string attribute, or the default. */
        public String stringAttr(String key, String dflt) {
            Attribute a = attributes.get(key);
            return a == null || a.s() == null ? dflt : a.s();
        }
    }

    /**
     * An attribute: only the members of its type are set.
     *
     * @param name attribute name
     * @param f float value
     * @param i integer value
     * @param s string value
     * @param t tensor value
     * @param floats float list
     * @param ints integer list
     */
    public record Attribute(String name, float f, long i, String s, Tensor t, float[] floats, long[] ints) {}

    /**
     * A constant tensor, values converted to float (and kept as long for integer types).
     *
     * @param name tensor name
     * @param dims dimensions
     * @param dataType ONNX element type (1 float, 6 int32, 7 int64, 11 double)
     * @param floats values as float
     * @param longs values as long (integer types), else null
     * @param external where the values lie when the file keeps them outside the model, else null (values read)
     */
    public record Tensor(String name, long[] dims, int dataType, float[] floats, long[] longs, External external) {
        /** A tensor whose values are read. */
        public Tensor(String name, long[] dims, int dataType, float[] floats, long[] longs) {
            this(name, dims, dataType, floats, longs, null);
        }

        /** Number of elements. */
        public int size() {
            long count = 1;
            for (long d : dims) {
                count *= d;
            }
            return Math.toIntExact(count);
        }
    }

    /**
     * The external-data entry of a tensor ({@code TensorProto.external_data}).
     *
     * @param location file name relative to the model's directory
     * @param offset first byte, 0 when not given
     * @param length bytes, -1 when not given (to the end of the file)
     */
    public record External(String location, long offset, long length) {}

    /**
     * A graph input or output.
     *
     * @param name tensor name
     * @param dims dimensions, -1 where the file names a symbol (a dynamic batch) or gives nothing
     */
    public record ValueInfo(String name, long[] dims) {}

    /**
     * Reads a model file. Tensors kept in external data files (what today's default exporter writes: {@code
     * model.onnx.data} beside the model) are read from the model's own directory only, see {@link ExternalData};
     * element types beyond float, double, int32 and int64 are refused.
     */
    public static OnnxGraph read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        OnnxGraph g;
        try {
            g = parse(bytes);
        } catch (RuntimeException e) {
            throw new IOException(file + " is not a readable ONNX model (truncated or not ONNX): " + e.getMessage(), e);
        }
        return g.withExternalData(new ExternalData(file));
    }

    /** The graph with every initializer and Constant that points into an external file read from it. */
    private OnnxGraph withExternalData(ExternalData data) throws IOException {
        Map<String, Tensor> inits = new LinkedHashMap<>();
        for (Tensor t : initializers.values()) {
            inits.put(t.name(), data.resolve(t));
        }
        List<Node> resolved = new ArrayList<>();
        for (Node n : nodes) {
            Attribute value = n.attributes().get("value");
            if (value != null && value.t() != null && value.t().external() != null) {
                Map<String, Attribute> attrs = new LinkedHashMap<>(n.attributes());
                attrs.put(
                        "value",
                        new Attribute(
                                value.name(),
                                value.f(),
                                value.i(),
                                value.s(),
                                data.resolve(value.t()),
                                value.floats(),
                                value.ints()));
                n = new Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), attrs);
            }
            resolved.add(n);
        }
        return new OnnxGraph(name, opset, List.copyOf(resolved), inits, inputs, outputs);
    }

    /** Parses the bytes of a ModelProto; tensors with external data keep only their location until resolved. */
    static OnnxGraph parse(byte[] bytes) {
        ProtoReader model = new ProtoReader(bytes);
        ProtoReader graph = null;
        long opset = -1;
        while (model.next()) {
            switch (model.field()) {
                case 7 -> graph = model.message();
                case 8 -> {
                    ProtoReader op = model.message();
                    String domain = "";
                    long version = 0;
                    while (op.next()) {
                        if (op.field() == 1) {
                            domain = op.string();
                        } else if (op.field() == 2) {
                            version = op.varint();
                        } else {
                            op.skip();
                        }
                    }
                    if (domain.isEmpty() || domain.equals("ai.onnx")) {
                        opset = version;
                    }
                }
                default -> model.skip();
            }
        }
        if (graph == null) {
            throw new IllegalArgumentException("no graph in the file");
        }
        String name = "";
        List<Node> nodes = new ArrayList<>();
        Map<String, Tensor> inits = new LinkedHashMap<>();
        List<ValueInfo> inputs = new ArrayList<>();
        List<ValueInfo> outputs = new ArrayList<>();
        while (graph.next()) {
            switch (graph.field()) {
                case 1 -> nodes.add(node(graph.message()));
                case 2 -> name = graph.string();
                case 5 -> {
                    Tensor t = tensor(graph.message());
                    inits.put(t.name(), t);
                }
                case 11 -> inputs.add(valueInfo(graph.message()));
                case 12 -> outputs.add(valueInfo(graph.message()));
                default -> graph.skip();
            }
        }
        List<ValueInfo> realInputs =
                inputs.stream().filter(v -> !inits.containsKey(v.name())).toList();
        return new OnnxGraph(name, opset, List.copyOf(nodes), inits, realInputs, List.copyOf(outputs));
    }

    private static Node node(ProtoReader r) {
        String name = "";
        String op = "";
        String domain = "";
        List<String> in = new ArrayList<>();
        List<String> out = new ArrayList<>();
        Map<String, Attribute> attrs = new LinkedHashMap<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> in.add(r.string());
                case 2 -> out.add(r.string());
                case 3 -> name = r.string();
                case 4 -> op = r.string();
                case 5 -> {
                    Attribute a = attribute(r.message());
                    attrs.put(a.name(), a);
                }
                case 7 -> domain = r.string();
                default -> r.skip();
            }
        }
        return new Node(name, op, domain, List.copyOf(in), List.copyOf(out), attrs);
    }

    private static Attribute attribute(ProtoReader r) {
        String name = "";
        float f = 0;
        long i = 0;
        String s = null;
        Tensor t = null;
        List<Float> floats = new ArrayList<>();
        List<Long> ints = new ArrayList<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> name = r.string();
                case 2 -> f = r.float32();
                case 3 -> i = r.varint();
                case 4 -> s = r.string();
                case 5 -> t = tensor(r.message());
                case 7 -> {
                    if (r.isLengthDelimited()) {
                        ProtoReader p = r.message();
                        while (p.hasRemaining()) {
                            floats.add(p.float32());
                        }
                    } else {
                        floats.add(r.float32());
                    }
                }
                case 8 -> {
                    if (r.isLengthDelimited()) {
                        ProtoReader p = r.message();
                        while (p.hasRemaining()) {
                            ints.add(p.varint());
                        }
                    } else {
                        ints.add(r.varint());
                    }
                }
                default -> r.skip();
            }
        }
        float[] fv = new float[floats.size()];
        for (int k = 0; k < fv.length; k++) {
            fv[k] = floats.get(k);
        }
        return new Attribute(
                name, f, i, s, t, fv, ints.stream().mapToLong(Long::longValue).toArray());
    }

    private static Tensor tensor(ProtoReader r) {
        List<Long> dims = new ArrayList<>();
        int type = 0;
        String name = "";
        byte[] raw = null;
        List<Float> floatData = new ArrayList<>();
        List<Long> intData = new ArrayList<>();
        List<Double> doubleData = new ArrayList<>();
        boolean external = false;
        Map<String, String> externalInfo = new LinkedHashMap<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> dims.add(r.varint());
                case 2 -> type = (int) r.varint();
                case 4 -> {
                    if (r.isLengthDelimited()) {
                        ProtoReader p = r.message();
                        while (p.hasRemaining()) {
                            floatData.add(p.float32());
                        }
                    } else {
                        floatData.add(r.float32());
                    }
                }
                case 5, 7 -> {
                    if (r.isLengthDelimited()) {
                        ProtoReader p = r.message();
                        while (p.hasRemaining()) {
                            intData.add(p.varint());
                        }
                    } else {
                        intData.add(r.varint());
                    }
                }
                case 8 -> name = r.string();
                case 9 -> raw = r.bytes();
                case 10 -> {
                    if (r.isLengthDelimited()) {
                        ProtoReader p = r.message();
                        while (p.hasRemaining()) {
                            doubleData.add(p.float64());
                        }
                    } else {
                        doubleData.add(r.float64());
                    }
                }
                case 13 -> {
                    ProtoReader entry = r.message();
                    String key = "";
                    String value = "";
                    while (entry.next()) {
                        if (entry.field() == 1) {
                            key = entry.string();
                        } else if (entry.field() == 2) {
                            value = entry.string();
                        } else {
                            entry.skip();
                        }
                    }
                    externalInfo.put(key, value);
                }
                case 14 -> external = r.varint() == 1;
                default -> r.skip();
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        if (external) {
            String location = externalInfo.get("location");
            if (location == null || location.isEmpty()) {
                throw new IllegalArgumentException(
                        "tensor " + name + " keeps its data in an external file but names" + " no location");
            }
            External where = new External(
                    location,
                    Long.parseLong(externalInfo.getOrDefault("offset", "0")),
                    Long.parseLong(externalInfo.getOrDefault("length", "-1")));
            return new Tensor(name, shape, type, null, null, where);
        }
        return decode(name, shape, type, raw, floatData, intData, doubleData);
    }

    /** The values of a tensor from its raw little-endian bytes, or from the typed lists when raw is null. */
    static Tensor decode(
            String name,
            long[] shape,
            int type,
            byte[] raw,
            List<Float> floatData,
            List<Long> intData,
            List<Double> doubleData) {
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        int n = Math.toIntExact(count);
        if (raw != null && raw.length < (long) n * elementBytes(name, type)) {
            throw new IllegalArgumentException("tensor " + name + " holds " + raw.length + " bytes, its shape needs "
                    + (long) n * elementBytes(name, type));
        }
        float[] f = new float[n];
        long[] l = null;
        switch (type) {
            case 1 -> {
                if (raw != null) {
                    ByteBuffer.wrap(raw)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .asFloatBuffer()
                            .get(f);
                } else {
                    for (int k = 0; k < n; k++) {
                        f[k] = floatData.get(k);
                    }
                }
            }
            case 11 -> {
                for (int k = 0; k < n; k++) {
                    f[k] = raw != null
                            ? (float) ByteBuffer.wrap(raw)
                                    .order(ByteOrder.LITTLE_ENDIAN)
                                    .getDouble(8 * k)
                            : doubleData.get(k).floatValue();
                }
            }
            case 6, 7 -> {
                l = new long[n];
                for (int k = 0; k < n; k++) {
                    if (raw != null) {
                        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
                        l[k] = type == 7 ? b.getLong(8 * k) : b.getInt(4 * k);
                    } else {
                        l[k] = intData.get(k);
                    }
                    f[k] = l[k];
                }
            }
            default ->
                throw new IllegalArgumentException("tensor " + name + " has ONNX element type " + type
                        + "; float, double, int32 and int64 are read");
        }
        return new Tensor(name, shape, type, f, l);
    }

    /** Bytes per element of the element types read. */
    static int elementBytes(String name, int type) {
        return switch (type) {
            case 1, 6 -> 4;
            case 7, 11 -> 8;
            default ->
                throw new IllegalArgumentException("tensor " + name + " has ONNX element type " + type
                        + "; float, double, int32 and int64 are read");
        };
    }

    private static ValueInfo valueInfo(ProtoReader r) {
        String name = "";
        List<Long> dims = new ArrayList<>();
        while (r.next()) {
            if (r.field() == 1) {
                name = r.string();
            } else if (r.field() == 2) {
                ProtoReader type = r.message();
                while (type.next()) {
                    if (type.field() != 1) {
                        type.skip();
                        continue;
                    }
                    ProtoReader tensor = type.message();
                    while (tensor.next()) {
                        if (tensor.field() != 2) {
                            tensor.skip();
                            continue;
                        }
                        ProtoReader shape = tensor.message();
                        while (shape.next()) {
                            if (shape.field() != 1) {
                                shape.skip();
                                continue;
                            }
                            ProtoReader dim = shape.message();
                            long v = -1;
                            while (dim.next()) {
                                if (dim.field() == 1) {
                                    v = dim.varint();
                                } else {
                                    dim.skip();
                                }
                            }
                            dims.add(v);
                        }
                    }
                }
            } else {
                r.skip();
            }
        }
        return new ValueInfo(name, dims.stream().mapToLong(Long::longValue).toArray());
    }
}
