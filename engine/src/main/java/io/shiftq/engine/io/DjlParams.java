package io.shiftq.engine.io;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.StateDict;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * FP32 weights in DJL's own {@code .params} format: what {@code Model.save} writes for a DJL block
 * built like the {@link Network} (see {@link DjlMirror}). The file holds no layer names, so DJL
 * parameters map to PyTorch {@code state_dict} names by their order in that block.
 */
public final class DjlParams {
    private static final String ENGINE = "PyTorch";
    private static final String MAGIC = "DJL@";

    private DjlParams() {}

    /** Writes the weights to exactly {@code file} (any name; DJL itself writes {@code <name>-0000.params}). */
    public static void save(Network network, StateDict weights, Path file) {
        weights.checkFits(network);
        EngineSetup.start();
        DjlMirror mirror = DjlMirror.of(network);
        try (Model model = Model.newInstance(network.name(), Device.cpu(), ENGINE)) {
            mirror.block().initialize(model.getNDManager(), DataType.FLOAT32, inputShape(network));
            String wrong = firstMismatch(network, mirror, "");
            if (wrong != null) {
                throw new IllegalStateException(
                        "DJL mirror of " + network.name() + " disagrees with the network: " + wrong);
            }
            // Frozen arrays take in-place writes; arrays that require gradients refuse them.
            mirror.block().freezeParameters(true);
            mirror.parameters()
                    .forEach((name, p) -> p.getArray().set(weights.get(name).data()));
            model.setBlock(mirror.block());
            write(model, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write DJL parameters to " + file, e);
        }
    }

    /** Reads a {@code .params} file written for a block built like {@code network}. */
    public static StateDict load(Network network, Path file) {
        checkHeader(file);
        EngineSetup.start();
        DjlMirror mirror = DjlMirror.of(network);
        try (Model model = Model.newInstance(network.name(), Device.cpu(), ENGINE);
                InputStream in = Files.newInputStream(file)) {
            model.setBlock(mirror.block());
            try {
                model.load(in);
            } catch (MalformedModelException | IOException | RuntimeException e) {
                // A file of another architecture fails somewhere in DJL's reader; say where.
                throw mismatch(network, mirror, file, e);
            }
            if (firstMismatch(network, mirror, "") != null) {
                throw mismatch(network, mirror, file, null);
            }
            return stateDict(network, mirror);
        } catch (IOException e) {
            throw new UncheckedIOException("model.weights: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Shape inputShape(Network network) {
        int[] s = network.inputShape();
        return new Shape(1, s[0], s[1], s[2]);
    }

    /**
     * Model.save names the file itself ({@code <name>-<epoch>.params}, the epoch one past the
     * newest file there), so it writes into a fresh scratch directory beside the target, where
     * the epoch is 0, and the file is moved into place.
     */
    private static void write(Model model, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path scratch = Files.createTempDirectory(dir, ".djl-params-");
        String name = model.getName().replaceAll("[^A-Za-z0-9_.-]", "_");
        try {
            model.save(scratch, name);
            Files.move(scratch.resolve(name + "-0000.params"), file, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            deleteTree(scratch);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** DJL skips a stream without its magic and loads nothing, which would read as "all missing". */
    private static void checkHeader(Path file) {
        byte[] head = new byte[MAGIC.length()];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, head.length) < head.length
                    || !MAGIC.equals(new String(head, StandardCharsets.US_ASCII))) {
                throw new IllegalArgumentException("model.weights: " + file
                        + " is not a DJL parameter file (it does not start with " + MAGIC + ")");
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("model.weights: " + file + " not found", e);
        } catch (IOException e) {
            throw new UncheckedIOException("model.weights: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The first parameter, in file order, that was not read or has the wrong shape, described for
     * the error; null when all fit. Parameters before a failed read did load, so a wrong shape
     * among them is the earlier, clearer cause.
     */
    private static String firstMismatch(Network network, DjlMirror mirror, String readError) {
        Map<String, long[]> expected = network.parameterShapes();
        for (Map.Entry<String, Parameter> e : mirror.parameters().entrySet()) {
            Parameter p = e.getValue();
            long[] want = expected.get(e.getKey());
            if (!p.isInitialized()) {
                return e.getKey() + " (DJL '" + p.getName() + "', shape " + Arrays.toString(want)
                        + ") could not be read" + readError;
            }
            long[] got = p.getArray().getShape().getShape();
            if (!Arrays.equals(got, want)) {
                return e.getKey() + " (DJL '" + p.getName() + "') has shape " + Arrays.toString(got) + " in the file, "
                        + network.name() + " needs " + Arrays.toString(want);
            }
        }
        return null;
    }

    private static IllegalArgumentException mismatch(Network network, DjlMirror mirror, Path file, Exception cause) {
        String readError = cause == null ? "" : " (" + cause + ")";
        String bad = firstMismatch(network, mirror, readError);
        return new IllegalArgumentException(
                "model.weights: " + file + " does not fit " + network.name() + ": "
                        + (bad == null ? "the file could not be read" + readError : "parameter " + bad),
                cause);
    }

    private static StateDict stateDict(Network network, DjlMirror mirror) {
        Map<String, HeapTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : network.parameterShapes().entrySet()) {
            NDArray a = mirror.parameters().get(e.getKey()).getArray();
            // A file saved after Model.cast holds another float type; shiftq works in FP32.
            out.put(
                    e.getKey(),
                    new HeapTensor(
                            e.getValue(), a.toType(DataType.FLOAT32, false).toFloatArray()));
        }
        return new StateDict(out);
    }
}
