package io.shiftq.engine.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A protobuf wire-format reader for the handful of ONNX messages shiftq reads: it walks the fields of one
 * message, and a length-delimited field opens a reader over its bytes. No schema, no generated classes; the
 * field numbers live in {@link OnnxGraph}, taken from {@code onnx.proto} (the PyPI {@code onnx} wheel ships it).
 */
final class ProtoReader {
    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    private final ByteBuffer buf;
    private int field;
    private int wireType;

    /** A reader over bytes[from, to). */
    ProtoReader(byte[] bytes, int from, int to) {
        this.buf = ByteBuffer.wrap(bytes, from, to - from).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A reader over a whole message. */
    ProtoReader(byte[] bytes) {
        this(bytes, 0, bytes.length);
    }

    /** Moves to the next field; false at the end of the message. */
    boolean next() {
        if (!buf.hasRemaining()) {
            return false;
        }
        long tag = varint();
        field = (int) (tag >>> 3);
        wireType = (int) (tag & 7);
        return true;
    }

    /** The current field's number. */
    int field() {
        return field;
    }

    /** Whether the current field is length-delimited (a message, string, bytes or packed repeated scalars). */
    boolean isLengthDelimited() {
        return wireType == LENGTH_DELIMITED;
    }

    /** The current field as a varint (int32, int64, enum, bool). */
    long varint() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = buf.get();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalArgumentException("malformed varint");
    }

    /** The current fixed32 field as a float. */
    float float32() {
        return buf.getFloat();
    }

    /** The current fixed64 field as a double. */
    double float64() {
        return buf.getDouble();
    }

    /** The current length-delimited field's bytes. */
    byte[] bytes() {
        int n = Math.toIntExact(varint());
        byte[] out = new byte[n];
        buf.get(out);
        return out;
    }

    /** The current length-delimited field as UTF-8 text. */
    String string() {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    /** The current length-delimited field as a nested message. */
    ProtoReader message() {
        return new ProtoReader(bytes());
    }

    /** Skips the current field. */
    void skip() {
        switch (wireType) {
            case VARINT -> varint();
            case FIXED64 -> buf.position(buf.position() + 8);
            case LENGTH_DELIMITED -> {
                int length = Math.toIntExact(varint()); // read before taking the position the length ends at
                buf.position(buf.position() + length);
            }
            case FIXED32 -> buf.position(buf.position() + 4);
            default -> throw new IllegalArgumentException("unsupported protobuf wire type " + wireType);
        }
    }

    /** Whether bytes remain in the message. */
    boolean hasRemaining() {
        return buf.hasRemaining();
    }
}
