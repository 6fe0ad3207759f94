package io.shiftq.engine.deploy.format;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.engine.deploy.ops.AimetOut;
import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import io.shiftq.engine.deploy.ops.Op;
import io.shiftq.engine.deploy.ops.Weighted;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AIMET encodings of an {@link IntegerModel}, with scales that are exact powers of two (2^-n), in
 * two files for two kinds of reader:
 *
 * <ul>
 *   <li>{@value #FILE_061}, for aimet-torch: {@code QuantizationSimModel.load_encodings(path,
 *       strict=True)} on the same network built in PyTorch (same module names). It has the layout
 *       aimet-torch reads and itself writes as {@code <prefix>_torch.encodings}: {@code
 *       {"version": "0.6.1", "activation_encodings": {module: {"input": {"0": enc}, "output": {"0":
 *       enc}}}, "param_encodings": {module.param: [enc per channel]}}} with {@code enc = {bitwidth,
 *       dtype: "int", is_symmetric: "True"|"False", max, min, offset, scale}} (aimet-torch
 *       2.42.0, {@code _base/quantsim.py: _load_encodings_impl}; a quantizer takes bitwidth,
 *       is_symmetric, min and max and derives scale = (max - min) / (qmax - qmin), exact for these
 *       values).
 *   <li>{@value #FILE_100}, for the QNN / QAIRT converters ({@code --quantization_overrides}) and
 *       other tools that read AIMET's exported {@code <prefix>.encodings}: {@code {"version":
 *       "1.0.0", "activation_encodings": [{name, dtype: "INT", enc_type: "PER_TENSOR"|"PER_CHANNEL",
 *       bw, is_sym, scale: [..], offset: [..]}], "param_encodings": [..]}}, named by the tensors of
 *       {@code model_qdq.onnx}: {@code L.input}, {@code L.output}, {@code L.weight}, {@code L.bias}.
 *       aimet-torch cannot load this list layout ({@code load_encodings} reads dictionaries only).
 * </ul>
 *
 * <p>Where aimet-torch places activation quantizers (its default configuration): one input
 * quantizer on each layer that reads the network input; one output quantizer per conv, linear or
 * residual add, which sits on the ReLU module when a ReLU follows (AIMET's conv+ReLU,
 * linear+ReLU and add+ReLU supergroups); one on a ReLU that is not fused; none on max-pool,
 * flatten or dropout. The {@code input} quantizer of a layer that reads another layer's output has
 * no AIMET quantizer: AIMET keeps one encoding per tensor, and the tensor stored between layers is
 * the producer's output (o); shiftq's next input exponent i is an alignment shift (i - o) inside
 * the integer model ({@link #hiddenInputs} lists the layers where it is not zero). The 32-bit
 * alignment of residual adds is not an AIMET quantizer either.
 *
 * <p>Offsets use AIMET's convention (q = round(x / scale) - offset on an unsigned grid): signed
 * b-bit codes have offset -2^(b-1), unsigned ones 0; the same in both files.
 */
public final class AimetEncodings {
    /** File name of the encodings aimet-torch loads (module-keyed dictionaries). */
    public static final String FILE_061 = "aimet_encodings_0.6.1.json";
    /** File name of the 1.0.0 encodings (lists named by ONNX tensor) for QNN / QAIRT converters. */
    public static final String FILE_100 = "aimet_encodings_1.0.0.json";

    private AimetEncodings() {}

    /** One quantizer of a tensor: exponents (one or one per channel), bits, signedness. */
    record Enc(int bits, boolean signed, int[] exponents) {}

    /**
     * An activation quantizer as aimet-torch holds it.
     *
     * @param module module name
     * @param slot "input" or "output"
     * @param enc the encoding
     */
    record ModuleActivation(String module, String slot, Enc enc) {}

    /**
     * Everything the two files hold, collected from the ops in order: activations by ONNX tensor name, the activation
     * quantizers on the modules where aimet-torch places them (see the class comment), parameters by state_dict name.
     */
    record Collected(Map<String, Enc> activations, List<ModuleActivation> modules, Map<String, Enc> params) {}

    static Collected collect(IntegerModel m) {
        Collected c = new Collected(new LinkedHashMap<>(), new ArrayList<>(), new LinkedHashMap<>());
        Quantizer[] value = m.valueQuantizers();
        for (int i = 0; i < m.ops().size(); i++) {
            int index = i;
            m.ops().get(i).aimet(new AimetOut() {
                @Override
                public void activation(String tensor, Quantizer q) {
                    c.activations().put(tensor, of(q));
                }

                @Override
                public void module(String module, String slot, Quantizer q) {
                    c.modules().add(new ModuleActivation(module, slot, of(q)));
                }

                @Override
                public void param(String name, int bits, int[] exponents) {
                    c.params().put(name, new Enc(bits, true, exponents));
                }

                @Override
                public String outputModule(boolean fusedRelu) {
                    return AimetEncodings.outputModule(m, index, fusedRelu);
                }

                @Override
                public Quantizer value() {
                    return value[index];
                }
            });
        }
        return c;
    }

    /** Activation encodings by ONNX tensor name ({@code L.input}, {@code L.output}). */
    static Map<String, Enc> activations(IntegerModel m) {
        return collect(m).activations();
    }

    /** Activation encodings on the modules where aimet-torch places quantizers, in op order. */
    static List<ModuleActivation> moduleActivations(IntegerModel m) {
        return collect(m).modules();
    }

    /**
     * The module that carries op i's output quantizer: the fused ReLU or ReLU6 (clip) reading it, as aimet-torch
     * puts the quantizer after the activation of a conv/linear + activation group; else op i itself (an
     * imported graph may fuse an activation that has no op of its own).
     */
    private static String outputModule(IntegerModel m, int i, boolean fusedRelu) {
        if (!fusedRelu) {
            return m.ops().get(i).name();
        }
        return m.ops().stream()
                .filter(o -> isFusedActivation(o) && o.inputs().equals(List.of(i)))
                .map(Op::name)
                .findFirst()
                .orElse(m.ops().get(i).name());
    }

    private static boolean isFusedActivation(Op o) {
        return o.fusedActivation();
    }

    /**
     * Layers whose input exponent differs from the exponent of the tensor they read (a non-zero
     * alignment shift): there aimet-torch, which has one quantizer per tensor, requantizes once
     * where shiftq requantizes twice (o, then i).
     */
    public static List<String> hiddenInputs(IntegerModel m) {
        return m.weighted().stream()
                .filter(w -> w.inputAlignShift() != null && w.inputAlignShift() != 0)
                .map(Weighted::name)
                .toList();
    }

    static Map<String, Enc> params(IntegerModel m) {
        return collect(m).params();
    }

    private static Enc of(Quantizer q) {
        return new Enc(q.bits(), q.signed(), new int[] {q.exponent()});
    }

    /** The file aimet-torch loads: module-keyed activations, parameters by state_dict name. */
    public static ObjectNode v061(IntegerModel m) {
        ObjectNode root = ModelFiles.MAPPER.createObjectNode();
        root.put("version", "0.6.1");
        ObjectNode act = root.putObject("activation_encodings");
        for (ModuleActivation a : moduleActivations(m)) {
            ObjectNode module = act.has(a.module()) ? (ObjectNode) act.get(a.module()) : act.putObject(a.module());
            if (module.has(a.slot())) {
                throw new IllegalArgumentException(a.module() + " would get two " + a.slot() + " quantizers");
            }
            module.putObject(a.slot()).set("0", list061(a.enc()).get(0));
        }
        ObjectNode par = root.putObject("param_encodings");
        params(m).forEach((k, e) -> par.set(k, list061(e)));
        root.putArray("excluded_layers");
        return root;
    }

    /** The 1.0.0 list shape, named by the tensors of the ONNX QDQ export. */
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
