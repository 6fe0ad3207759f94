package io.shiftq.engine.deploy.ops;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import io.shiftq.engine.io.Npz;
import io.shiftq.engine.model.Shapes;
import java.util.List;
import java.util.Map;

/**
 * A layout no-op: flatten or dropout at inference (identity). The codes stay as they are.
 *
 * @param name layer name
 * @param kind flatten or identity
 * @param inputs the input
 */
public record PassThrough(String name, Kind kind, List<Integer> inputs) implements Op {

    /** Which no-op, with its model.json name. */
    public enum Kind {
        /** [C, H, W] to [C * H * W]. */
        FLATTEN("flatten"),
        /** Dropout at inference. */
        IDENTITY("identity");

        private final String type;

        Kind(String type) {
            this.type = type;
        }

        /** The model.json name. */
        public String type() {
            return type;
        }
    }

    @Override
    public String type() {
        return kind.type();
    }

    static Op flatten(LayerBuild b) {
        b.requireQuantizedInput();
        return new PassThrough(b.name(), Kind.FLATTEN, b.inputs());
    }

    static Op identity(LayerBuild b) {
        b.requireQuantizedInput();
        return new PassThrough(b.name(), Kind.IDENTITY, b.inputs());
    }

    static Op read(Kind kind, JsonNode o, String name, List<Integer> inputs, Map<String, Npz.Array> arrays) {
        return new PassThrough(name, kind, inputs);
    }

    @Override
    public int[] outputShape(List<int[]> in) {
        return switch (kind) {
            case FLATTEN -> new int[] {Shapes.size(in.get(0))};
            case IDENTITY -> in.get(0).clone();
        };
    }

    @Override
    public long[] run(ScalarRun r) {
        return r.input(0);
    }

    @Override
    public double tensorBound(TensorBounds b) {
        return b.keep();
    }

    @Override
    public NDArray forward(TensorRun t) {
        NDArray x = t.input(0);
        return switch (kind) {
            case FLATTEN -> x.reshape(x.getShape().get(0), -1);
            case IDENTITY -> x;
        };
    }

    @Override
    public void source(CSourceOut c) {
        // Same codes in the same layout: it reads its producer's buffer.
        c.alias();
    }

    @Override
    public String qdq(QdqOut g) {
        return switch (kind) {
            case FLATTEN -> {
                g.node("Flatten", List.of(g.input(0)), name, name, g.attrInt("axis", 1));
                yield name;
            }
            case IDENTITY -> g.input(0);
        };
    }
}
