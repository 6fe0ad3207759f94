package io.shiftq.engine.deploy.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.engine.deploy.ops.IntegerModel.Quantizer;
import io.shiftq.engine.io.Npz;
import java.io.IOException;
import java.util.Map;

/** The JSON and npz pieces the ops' model.json and weights.npz forms are made of. */
public final class OpJson {
    /** The mapper every deploy file is written with (indented). */
    public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private OpJson() {}

    /** A quantizer as {bits, signed, exponent}. */
    public static ObjectNode quantizer(Quantizer q) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("bits", q.bits());
        o.put("signed", q.signed());
        o.put("exponent", q.exponent());
        return o;
    }

    /** A quantizer read back. */
    public static Quantizer quantizer(JsonNode o) {
        return new Quantizer(
                o.get("bits").asInt(),
                o.get("signed").asBoolean(),
                o.get("exponent").asInt());
    }

    /** An int array. */
    public static ArrayNode arr(int[] v) {
        ArrayNode a = MAPPER.createArrayNode();
        for (int x : v) {
            a.add(x);
        }
        return a;
    }

    /** An int array read back. */
    public static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asInt();
        }
        return v;
    }

    /** An int32 scalar array. */
    public static Npz.Array scalar(int v) {
        return Npz.Array.ofLongs("<i4", new long[0], new long[] {v});
    }

    /** An int32 vector array. */
    public static Npz.Array vector(int[] v) {
        return Npz.Array.ofLongs("<i4", new long[] {v.length}, Codes.toLongs(v));
    }

    /** The numpy dtype that holds signed codes of this bitwidth. */
    public static String intDtype(int bits) {
        return bits <= 8 ? "|i1" : bits <= 16 ? "<i2" : bits <= 32 ? "<i4" : "<i8";
    }

    /** The named array, or an error naming it. */
    public static Npz.Array array(Map<String, Npz.Array> arrays, String name) throws IOException {
        Npz.Array a = arrays.get(name);
        if (a == null) {
            throw new IOException("weights.npz has no array " + name);
        }
        return a;
    }
}
