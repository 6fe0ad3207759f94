package io.shiftq.engine.io;

import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * FP32 weights in a file chosen by extension: {@code .npz} keyed by PyTorch {@code state_dict}
 * names, so a model trained in PyTorch loads with
 * {@code numpy.savez(path, **{k: v.numpy() for k, v in sd.items()})}; or {@code .params}, DJL's
 * {@code Model.save} format ({@link DjlParams}), which needs the network to name the parameters.
 */
public final class WeightFiles {
    private static final String NPZ = ".npz";
    private static final String PARAMS = ".params";

    private WeightFiles() {}

    /** Writes the parameters as {@code .npz} or, for a {@code .params} file, in DJL's format. */
    public static void save(Network network, StateDict weights, Path file) {
        if (isParams(file)) {
            DjlParams.save(network, weights, file);
        } else {
            save(weights, file);
        }
    }

    /** Reads {@code .npz} or, for a {@code .params} file, DJL's format for a block built like the network. */
    public static StateDict load(Network network, Path file) {
        return isParams(file) ? DjlParams.load(network, file) : load(file);
    }

    /** Writes the parameters as float32 arrays to a {@code .npz} file. */
    public static void save(StateDict weights, Path file) {
        requireNpz(file, "cannot write weights to " + file);
        try {
            Npz.write(file, arrays(weights));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write weights to " + file, e);
        }
    }

    /** The parameters as an in-memory archive. */
    public static byte[] toBytes(StateDict weights) {
        try {
            return Npz.toBytes(arrays(weights));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode weights", e);
        }
    }

    /**
     * Reads a {@code .npz} file; integer arrays (such as BatchNorm's num_batches_tracked) are
     * skipped. A {@code .params} file needs {@link #load(Network, Path)}.
     */
    public static StateDict load(Path file) {
        requireNpz(file, "model.weights: " + file);
        try {
            Map<String, HeapTensor> out = new LinkedHashMap<>();
            Npz.read(file).forEach((name, a) -> {
                if (a.dtype().startsWith("<f")) {
                    out.put(name, new HeapTensor(a.shape(), a.floats()));
                }
            });
            return new StateDict(out);
        } catch (IOException e) {
            throw new UncheckedIOException("model.weights: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean isParams(Path file) {
        return hasExtension(file, PARAMS);
    }

    private static boolean hasExtension(Path file, String extension) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(extension);
    }

    private static void requireNpz(Path file, String context) {
        if (isParams(file)) {
            throw new IllegalArgumentException(
                    context + ": a DJL " + PARAMS
                            + " file stores no layer names, so it is read and written with the network (WeightFiles.load/save(network, ...))");
        }
        if (!hasExtension(file, NPZ)) {
            throw new IllegalArgumentException(context + ": unknown extension; allowed are " + NPZ
                    + " (arrays keyed by PyTorch state_dict names) and " + PARAMS + " (DJL Model.save)");
        }
    }

    private static Map<String, Npz.Array> arrays(StateDict weights) {
        Map<String, Npz.Array> arrays = new LinkedHashMap<>();
        weights.tensors().forEach((k, t) -> arrays.put(k, Npz.Array.ofFloats(t.shape(), t.data())));
        return arrays;
    }
}
