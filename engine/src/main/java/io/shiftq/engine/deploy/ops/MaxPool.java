package io.shiftq.engine.deploy.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.engine.io.Npz;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.Shapes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Max pooling (no padding, floor mode).
 *
 * @param name layer name
 * @param inputs the input
 * @param kernel window
 * @param stride stride
 */
public record MaxPool(String name, List<Integer> inputs, int kernel, int stride) implements Op {
    @Override
    public String type() {
        return "maxpool";
    }

    static Op build(LayerBuild b) {
        b.requireQuantizedInput();
        Layer.MaxPool2d p = (Layer.MaxPool2d) b.layer();
        return new MaxPool(b.name(), b.inputs(), p.kernel(), p.stride());
    }

    static Op read(JsonNode o, String name, List<Integer> inputs, Map<String, Npz.Array> arrays) {
        return new MaxPool(
                name, inputs, o.get("kernel").asInt(), o.get("stride").asInt());
    }

    @Override
    public int[] outputShape(List<int[]> in) {
        return Shapes.pool(in.get(0), kernel, stride);
    }

    @Override
    public long[] run(ScalarRun r) {
        long[] x = r.input(0);
        int[] in = r.inShape(0);
        int c = in[0];
        int h = in[1];
        int w = in[2];
        int oh = r.outShape()[1];
        int ow = r.outShape()[2];
        long[] out = new long[c * oh * ow];
        for (int ch = 0; ch < c; ch++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    long m = Long.MIN_VALUE;
                    for (int ky = 0; ky < kernel; ky++) {
                        for (int kx = 0; kx < kernel; kx++) {
                            m = Math.max(m, x[(ch * h + oy * stride + ky) * w + ox * stride + kx]);
                        }
                    }
                    out[(ch * oh + oy) * ow + ox] = m;
                }
            }
        }
        return out;
    }

    @Override
    public double tensorBound(TensorBounds b) {
        return b.keep();
    }

    @Override
    public NDArray forward(TensorRun t) {
        Shape k = new Shape(kernel, kernel);
        return Pool.maxPool2d(t.input(0), k, new Shape(stride, stride), new Shape(0, 0), false);
    }

    private static final String C = """
            static void op_$id(const $in x[$inSize], $out y[$outSize])
            {
                for (int c = 0; c < $channels; c++) {
                    for (int oy = 0; oy < $outHeight; oy++) {
                        for (int ox = 0; ox < $outWidth; ox++) {
                            $in m = x[(c * $height + oy * $stride) * $width + ox * $stride];
                            for (int ky = 0; ky < $kernel; ky++) {
                                for (int kx = 0; kx < $kernel; kx++) {
                                    const $in v = x[(c * $height + oy * $stride + ky) * $width + ox * $stride + kx];
                                    m = v > m ? v : m;
                                }
                            }
                            y[(c * $outHeight + oy) * $outWidth + ox] = m;
                        }
                    }
                }
            }
            """;

    @Override
    public void source(CSourceOut c) {
        Map<String, Object> holes = windowHoles(c, c.outType());
        holes.put("stride", stride);
        holes.put("kernel", kernel);
        c.function("", CTemplate.fill(C, holes), c.buffer(0));
    }

    /** The holes a pooling template over [C, H, W] shares: names, element types, sizes and dimensions. */
    static Map<String, Object> windowHoles(CSourceOut c, String inType) {
        int[] in = c.inShape(0);
        int[] out = c.outShape();
        Map<String, Object> holes = new HashMap<>();
        holes.put("id", c.id());
        holes.put("in", inType);
        holes.put("out", c.outType());
        holes.put("inSize", Shapes.size(in));
        holes.put("outSize", Shapes.size(out));
        holes.put("channels", in[0]);
        holes.put("outHeight", out[1]);
        holes.put("outWidth", out[2]);
        holes.put("height", in[1]);
        holes.put("width", in[2]);
        return holes;
    }

    @Override
    public String qdq(QdqOut g) {
        g.node(
                "MaxPool",
                List.of(g.input(0)),
                name,
                name,
                g.attrInts("kernel_shape", kernel, kernel),
                g.attrInts("strides", stride, stride));
        return name;
    }

    @Override
    public void describe(ObjectNode o) {
        o.put("kernel", kernel);
        o.put("stride", stride);
    }
}
