package io.shiftq.engine.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Reads and writes numpy {@code .npz} archives (a zip of {@code .npy} files, format 1.0), so
 * weights round-trip with {@code numpy.load} and PyTorch {@code state_dict}s saved through numpy.
 */
public final class Npz {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']+)'");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*True");

    /** 1980-01-01, the earliest time a zip entry holds. */
    private static final long FIXED_TIME = LocalDateTime.of(1980, 1, 1, 0, 0)
            .atZone(ZoneId.systemDefault())
            .toInstant()
            .toEpochMilli();

    private Npz() {}

    /**
     * One array: dtype in numpy notation ({@code <f4}, {@code |i1}, {@code <i2}, {@code <i4},
     * {@code <i8}), its shape, and the values widened to double for ints that fit exactly.
     *
     * @param dtype numpy dtype string
     * @param shape dimensions
     * @param values values in row-major order
     */
    public record Array(String dtype, long[] shape, double[] values) {

        /** A float32 array. */
        public static Array ofFloats(long[] shape, float[] v) {
            double[] d = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                d[i] = v[i];
            }
            return new Array("<f4", shape, d);
        }

        /** An integer array of the given numpy dtype. */
        public static Array ofLongs(String dtype, long[] shape, long[] v) {
            double[] d = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                d[i] = v[i];
            }
            return new Array(dtype, shape, d);
        }

        /** The values as float32. */
        public float[] floats() {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            return f;
        }

        /** The values as longs (exact for integer dtypes). */
        public long[] longs() {
            long[] l = new long[values.length];
            for (int i = 0; i < l.length; i++) {
                l[i] = (long) values[i];
            }
            return l;
        }
    }

    /** Writes the arrays, in order, as {@code name.npy} entries. */
    public static void write(Path file, Map<String, Array> arrays) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            write(out, arrays);
        }
    }

    /** Writes the archive to a stream, which stays open. */
    private static void write(OutputStream out, Map<String, Array> arrays) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        for (Map.Entry<String, Array> e : arrays.entrySet()) {
            ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
            // A fixed time keeps the archive's bytes (and so its sha256) a function of the arrays alone.
            entry.setTime(FIXED_TIME);
            zip.putNextEntry(entry);
            zip.write(npy(e.getValue()));
            zip.closeEntry();
        }
        zip.finish();
    }

    /** Reads every array of an archive, in entry order. */
    public static Map<String, Array> read(Path file) throws IOException {
        Map<String, Array> out = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(file);
                ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                String name = e.getName().endsWith(".npy")
                        ? e.getName().substring(0, e.getName().length() - 4)
                        : e.getName();
                out.put(name, parse(zip.readAllBytes(), file + ":" + e.getName()));
            }
        }
        return out;
    }

    static byte[] npy(Array a) {
        StringBuilder shape = new StringBuilder();
        for (long d : a.shape()) {
            shape.append(d).append(", ");
        }
        if (a.shape().length > 1) {
            shape.setLength(shape.length() - 2);
        } else if (a.shape().length == 1) {
            shape.setLength(shape.length() - 1);
        }
        String dict = "{'descr': '" + a.dtype() + "', 'fortran_order': False, 'shape': (" + shape + "), }";
        int total = MAGIC.length + 4 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        int width = width(a.dtype());
        ByteBuffer buf = ByteBuffer.allocate(MAGIC.length + 4 + header.length() + width * a.values().length)
                .order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        buf.put(header.getBytes(StandardCharsets.US_ASCII));
        for (double v : a.values()) {
            switch (a.dtype()) {
                case "<f4" -> buf.putFloat((float) v);
                case "<f8" -> buf.putDouble(v);
                case "|i1" -> buf.put((byte) v);
                case "|u1" -> buf.put((byte) (long) v);
                case "<i2" -> buf.putShort((short) v);
                case "<i4" -> buf.putInt((int) v);
                case "<i8" -> buf.putLong((long) v);
                default -> throw new IllegalArgumentException("unsupported dtype " + a.dtype());
            }
        }
        return buf.array();
    }

    static Array parse(byte[] b, String where) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (byte m : MAGIC) {
            if (buf.get() != m) {
                throw new IOException(where + " is not a .npy array");
            }
        }
        int major = buf.get();
        buf.get();
        int headerLen = major == 1 ? Short.toUnsignedInt(buf.getShort()) : buf.getInt();
        byte[] hb = new byte[headerLen];
        buf.get(hb);
        String header = new String(hb, StandardCharsets.US_ASCII);
        Matcher d = DESCR.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !s.find() || FORTRAN.matcher(header).find()) {
            throw new IOException(where + ": unsupported .npy header " + header.trim());
        }
        String dtype = d.group(1).replace("=", "<");
        String[] dims = s.group(1).split(",");
        long[] shape = Arrays.stream(dims)
                .map(String::trim)
                .filter(x -> !x.isEmpty())
                .mapToLong(Long::parseLong)
                .toArray();
        long count = Arrays.stream(shape).reduce(1, (x, y) -> x * y);
        double[] v = new double[(int) count];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (dtype) {
                case "<f4" -> buf.getFloat();
                case "<f8" -> buf.getDouble();
                case "|i1" -> buf.get();
                case "|u1" -> Byte.toUnsignedInt(buf.get());
                case "<i2" -> buf.getShort();
                case "<i4" -> buf.getInt();
                case "<i8" -> buf.getLong();
                default -> throw new IOException(where + ": unsupported dtype " + dtype);
            };
        }
        return new Array(dtype, shape, v);
    }

    private static int width(String dtype) {
        return switch (dtype) {
            case "|i1", "|u1" -> 1;
            case "<i2" -> 2;
            case "<f4", "<i4" -> 4;
            default -> 8;
        };
    }

    /** Bytes of an archive in memory (for artifact stores). */
    public static byte[] toBytes(Map<String, Array> arrays) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, arrays);
        return out.toByteArray();
    }
}
