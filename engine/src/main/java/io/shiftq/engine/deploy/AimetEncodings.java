package io.shiftq.engine.deploy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.engine.deploy.IntegerModel.Add;
import io.shiftq.engine.deploy.IntegerModel.Op;
import io.shiftq.engine.deploy.IntegerModel.Quantizer;
import io.shiftq.engine.deploy.IntegerModel.Weighted;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AIMET / QNN encodings of an {@link IntegerModel}, with scales that are exact powers of two
 * (2^-n), in both file shapes AIMET writes:
 *
 * <ul>
 *   <li>0.6.1: {@code {"activation_encodings": {name: [enc]}, "param_encodings": {name: [enc per
 *       channel]}}} with {@code enc = {bitwidth, is_symmetric: "True"|"False", max, min, offset,
 *       scale}};
 *   <li>1.0.0: {@code {"version": "1.0.0", "activation_encodings": [{name, dtype: "INT", enc_type:
 *       "PER_TENSOR"|"PER_CHANNEL", bw, is_sym, scale: [..], offset: [..]}], "param_encodings": [..]}}.
 * </ul>
 *
 * <p>Names follow the ONNX QDQ export: {@code L.input} and {@code L.output} for the activations
 * around a layer, {@code L.weight} and {@code L.bias} for parameters. Offsets use AIMET's
 * convention (q = round(x / scale) - offset on an unsigned grid): signed b-bit codes have offset
 * -2^(b-1), unsigned ones 0. The 32-bit alignment of residual adds is not an AIMET quantizer and
 * is not listed; the add's output is.
 */
public final class AimetEncodings {
    /** File name of the 0.6.1-shaped encodings. */
    public static final String FILE_061 = "aimet_encodings_0.6.1.json";
    /** File name of the 1.0.0-shaped encodings. */
    public static final String FILE_100 = "aimet_encodings_1.0.0.json";

    private AimetEncodings() {}

    /** One quantizer of a tensor: exponents (one or one per channel), bits, signedness. */
    record Enc(int bits, boolean signed, int[] exponents) {}

    static Map<String, Enc> activations(IntegerModel m) {
        Map<String, Enc> out = new LinkedHashMap<>();
        for (Op op : m.ops()) {
            if (op instanceof Weighted w) {
                out.put(w.name() + ".input", of(w.input()));
                out.put(w.name() + ".output", of(w.output()));
            } else if (op instanceof Add a) {
                out.put(a.name() + ".output", of(a.output()));
            }
        }
        return out;
    }

    static Map<String, Enc> params(IntegerModel m) {
        Map<String, Enc> out = new LinkedHashMap<>();
        for (Weighted w : m.weighted()) {
            out.put(
                    w.name() + ".weight",
                    new Enc(w.weights().bits(), true, w.weights().exponents()));
            if (w.biases() != null) {
                out.put(
                        w.name() + ".bias",
                        new Enc(w.biases().bits(), true, w.biases().exponents()));
            }
        }
        return out;
    }

    private static Enc of(Quantizer q) {
        return new Enc(q.bits(), q.signed(), new int[] {q.exponent()});
    }

    /** The 0.6.1 dictionary shape. */
    public static ObjectNode v061(IntegerModel m) {
        ObjectNode root = ModelFiles.MAPPER.createObjectNode();
        ObjectNode act = root.putObject("activation_encodings");
        activations(m).forEach((k, e) -> act.set(k, list061(e)));
        ObjectNode par = root.putObject("param_encodings");
        params(m).forEach((k, e) -> par.set(k, list061(e)));
        return root;
    }

    /** The 1.0.0 list shape. */
    public static ObjectNode v100(IntegerModel m) {
        ObjectNode root = ModelFiles.MAPPER.createObjectNode();
        root.put("version", "1.0.0");
        ArrayNode act = root.putArray("activation_encodings");
        activations(m).forEach((k, e) -> act.add(entry100(k, e)));
        ArrayNode par = root.putArray("param_encodings");
        params(m).forEach((k, e) -> par.add(entry100(k, e)));
        return root;
    }

    /** Scale of exponent n: exactly 2^-n. */
    public static double scale(int exponent) {
        return Math.scalb(1.0, -exponent);
    }

    /** AIMET offset of a quantizer. */
    public static long offset(int bits, boolean signed) {
        return signed ? -(1L << (bits - 1)) : 0;
    }

    private static ArrayNode list061(Enc e) {
        ArrayNode a = ModelFiles.MAPPER.createArrayNode();
        for (int n : e.exponents()) {
            ObjectNode o = a.addObject();
            double s = scale(n);
            long qmin = e.signed() ? -(1L << (e.bits() - 1)) : 0;
            long qmax = e.signed() ? (1L << (e.bits() - 1)) - 1 : (1L << e.bits()) - 1;
            o.put("bitwidth", e.bits());
            o.put("dtype", "int");
            o.put("is_symmetric", e.signed() ? "True" : "False");
            o.put("max", qmax * s);
            o.put("min", qmin * s);
            o.put("offset", offset(e.bits(), e.signed()));
            o.put("scale", s);
        }
        return a;
    }

    private static ObjectNode entry100(String name, Enc e) {
        ObjectNode o = ModelFiles.MAPPER.createObjectNode();
        o.put("name", name);
        o.put("dtype", "INT");
        o.put("enc_type", e.exponents().length > 1 ? "PER_CHANNEL" : "PER_TENSOR");
        o.put("bw", e.bits());
        o.put("is_sym", e.signed());
        ArrayNode scale = o.putArray("scale");
        ArrayNode offset = o.putArray("offset");
        for (int n : e.exponents()) {
            scale.add(scale(n));
            offset.add(offset(e.bits(), e.signed()));
        }
        return o;
    }
}
