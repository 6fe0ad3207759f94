package io.shiftq.engine.onnx;

import io.shiftq.engine.onnx.OnnxGraph.External;
import io.shiftq.engine.onnx.OnnxGraph.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Reads tensors an ONNX model keeps outside itself (today's default exporter writes {@code model.onnx.data} beside
 * {@code model.onnx}), confined as {@code model.path} is: a location is a plain file name or a relative path without
 * {@code ..}, and the file it names, after symbolic links are resolved, lies in the model's own directory. So a model
 * a user hands in cannot make a service read any other file on its machine.
 */
final class ExternalData {
    private final Path model;
    private final Path dir;

    /** External data of the model file {@code model}. */
    ExternalData(Path model) throws IOException {
        this.model = model;
        this.dir = model.toAbsolutePath().getParent().toRealPath();
    }

    /** The tensor with its values read, or the tensor itself when it holds them already. */
    Tensor resolve(Tensor t) throws IOException {
        External e = t.external();
        if (e == null) {
            return t;
        }
        Path file = confined(t.name(), e.location());
        long need = (long) t.size() * OnnxGraph.elementBytes(t.name(), t.dataType());
        long length = e.length() < 0 ? need : e.length();
        if (length != need) {
            throw new IOException(model + ": tensor " + t.name() + " gives " + length + " bytes in " + e.location()
                    + ", its shape needs " + need);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (e.offset() < 0 || e.offset() + length > ch.size()) {
                throw new IOException(model + ": tensor " + t.name() + " reads bytes " + e.offset() + ".."
                        + (e.offset() + length) + " of " + e.location() + ", which has " + ch.size()
                        + " (truncated external data?)");
            }
            ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(length));
            while (buf.hasRemaining()) {
                if (ch.read(buf, e.offset() + buf.position()) < 0) {
                    throw new IOException(model + ": " + e.location() + " ended early");
                }
            }
            return OnnxGraph.decode(t.name(), t.dims(), t.dataType(), buf.array(), List.of(), List.of(), List.of());
        }
    }

    /** The external file, refused when it could lie outside the model's directory or is missing. */
    private Path confined(String tensor, String location) throws IOException {
        Path rel = Path.of(location);
        boolean escapes = rel.isAbsolute()
                || location.contains("\\")
                || java.util.stream.StreamSupport.stream(rel.spliterator(), false)
                        .anyMatch(p -> p.toString().equals(".."));
        if (escapes) {
            throw new IOException(model + ": tensor " + tensor + " names external data '" + location
                    + "' outside the model's directory; only files beside the model are read");
        }
        Path file = dir.resolve(rel);
        Path real;
        try {
            real = file.toRealPath();
        } catch (NoSuchFileException ex) {
            throw new IOException(model + ": tensor " + tensor + " keeps its values in '" + location
                    + "', which is missing; copy it into " + dir + " beside the model");
        }
        if (!real.startsWith(dir) || !Files.isRegularFile(real)) {
            throw new IOException(model + ": tensor " + tensor + " names external data '" + location
                    + "', which leads outside the model's directory " + dir + " (a link?); only files beside the"
                    + " model are read");
        }
        return real;
    }
}
