package io.shiftq.engine.io;

import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.model.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * FP32 weights as {@code .npz} keyed by PyTorch {@code state_dict} names, so a model trained in
 * PyTorch loads with {@code numpy.savez(path, **{k: v.numpy() for k, v in sd.items()})}.
 */
public final class WeightFiles {
    private WeightFiles() {
    }

    /** Writes the parameters as float32 arrays. */
    public static void save(StateDict weights, Path file) {
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

    /** Reads parameters; integer arrays (such as BatchNorm's num_batches_tracked) are skipped. */
    public static StateDict load(Path file) {
        try {
            Map<String, Tensor> out = new LinkedHashMap<>();
            Npz.read(file).forEach((name, a) -> {
                if (a.dtype().startsWith("<f")) {
                    out.put(name, new Tensor(a.shape(), a.floats()));
                }
            });
            return new StateDict(out);
        } catch (IOException e) {
            throw new UncheckedIOException("model.weights: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, Npz.Array> arrays(StateDict weights) {
        Map<String, Npz.Array> arrays = new LinkedHashMap<>();
        weights.tensors().forEach((k, t) -> arrays.put(k, Npz.Array.ofFloats(t.shape(), t.data())));
        return arrays;
    }
}
