package io.shiftq.engine.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.Models;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.NetworkBuilder;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.nn.LoadedNetwork;
import io.shiftq.engine.quant.QuantPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * DJL {@code .params} files: our own round trip, files from plain DJL code (blocks built here the
 * way a DJL user writes them, then {@code Model.save}), plain DJL reading our files, and the errors
 * for files of another architecture.
 */
class DjlParamsTest {
    /** Logit tolerance between DJL's own forward and LoadedNetwork's: same kernels, so float noise only. */
    private static final float LOGIT_TOLERANCE = 1e-5f;

    @TempDir
    Path dir;

    @BeforeAll
    static void startDjl() {
        EngineSetup.start();
    }

    @ParameterizedTest
    @CsvSource({"VGGSmall, 1, 28", "LeNet5, 1, 28", "ResNetSmall, 3, 32"})
    void roundTripIsExact(String name, int channels, int size) {
        Network net = Models.create(name, 10, channels, size, size);
        StateDict w = randomWeights(net, 7);
        Path file = dir.resolve(name + "-0000.params");
        WeightFiles.save(net, w, file);
        StateDict back = WeightFiles.load(net, file);
        assertThat(back.tensors().keySet())
                .containsExactlyElementsOf(net.parameterShapes().keySet());
        w.tensors().forEach((k, t) -> assertThat(back.get(k)).as(k).isEqualTo(t));
    }

    @Test
    void readsLeNet5WrittenByPlainDjl() throws Exception {
        Network net = Models.create("LeNet5", 10, 1, 28, 28);
        SequentialBlock user = new SequentialBlock()
                .add(conv(6, 5, 1, 2, true))
                .add(Activation.reluBlock())
                .add(maxPool())
                .add(conv(16, 5, 1, 0, true))
                .add(Activation.reluBlock())
                .add(maxPool())
                .add(Blocks.batchFlattenBlock())
                .add(linear(120))
                .add(Activation.reluBlock())
                .add(linear(84))
                .add(Activation.reluBlock())
                .add(linear(10));
        assertDjlFileGivesDjlLogits(net, user, "lenet");
    }

    @Test
    void readsResNetSmallWrittenByPlainDjl() throws Exception {
        Network net = Models.create("ResNetSmall", 10, 3, 16, 16);
        SequentialBlock user = new SequentialBlock()
                .add(conv(16, 3, 1, 1, false))
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(residual(16, 1, Blocks.identityBlock()))
                .add(Activation.reluBlock())
                .add(residual(
                        32,
                        2,
                        new SequentialBlock()
                                .add(conv(32, 1, 2, 0, false))
                                .add(BatchNorm.builder().build())))
                .add(Activation.reluBlock())
                .add(maxPool())
                .add(Blocks.batchFlattenBlock())
                .add(linear(10));
        assertDjlFileGivesDjlLogits(net, user, "resnet");
    }

    @Test
    void plainDjlReadsOurFile() throws Exception {
        Network net = Models.create("VGGSmall", 10, 1, 28, 28);
        StateDict w = randomWeights(net, 3);
        DjlParams.save(net, w, dir.resolve("vgg-0000.params"));
        SequentialBlock user = new SequentialBlock();
        for (int filters : new int[] {32, 32, 0, 64, 64, 0}) {
            if (filters == 0) {
                user.add(maxPool());
            } else {
                user.add(conv(filters, 3, 1, 1, false))
                        .add(BatchNorm.builder().build())
                        .add(Activation.reluBlock());
            }
        }
        user.add(Blocks.batchFlattenBlock())
                .add(linear(128))
                .add(Activation.reluBlock())
                .add(Dropout.builder().optRate(0.25f).build())
                .add(linear(10));
        try (Model model = Model.newInstance("vgg", Device.cpu(), "PyTorch");
                NDManager m = NDManager.newBaseManager()) {
            model.setBlock(user);
            model.load(dir, "vgg");
            NDArray x = m.randomUniform(0f, 1f, new Shape(2, 1, 28, 28));
            assertSameLogits(djlForward(user, model.getNDManager(), x), liveForward(net, w, m, x));
        }
    }

    @Test
    void wrongNumberOfClassesNamesTheParameter() {
        Path file = dir.resolve("vgg10-0000.params");
        DjlParams.save(
                Models.create("VGGSmall", 10, 1, 28, 28),
                randomWeights(Models.create("VGGSmall", 10, 1, 28, 28), 1),
                file);
        assertThatThrownBy(() -> DjlParams.load(Models.create("VGGSmall", 100, 1, 28, 28), file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model.weights")
                .hasMessageContaining("classifier.3.weight")
                .hasMessageContaining("[10, 128] in the file, VGGSmall needs [100, 128]");
    }

    @Test
    void otherArchitectureNamesTheFirstParameterThatDiffers() {
        Network leNet = Models.create("LeNet5", 10, 1, 28, 28);
        Path file = dir.resolve("lenet-0000.params");
        DjlParams.save(leNet, randomWeights(leNet, 1), file);
        assertThatThrownBy(() -> WeightFiles.load(Models.create("VGGSmall", 10, 1, 28, 28), file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not fit VGGSmall")
                .hasMessageContaining("features.0.weight")
                .hasMessageContaining("[6, 1, 5, 5] in the file, VGGSmall needs [32, 1, 3, 3]");
        Network resNet = Models.create("ResNetSmall", 10, 1, 28, 28);
        assertThatThrownBy(() -> WeightFiles.load(resNet, file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not fit ResNetSmall: parameter stem.0.weight");
    }

    @Test
    void biasWhereBatchNormIsExpectedNamesTheParameterDjlCouldNotRead() {
        Network withBias = convNet("WithBias", true);
        Path file = dir.resolve("bias-0000.params");
        DjlParams.save(withBias, randomWeights(withBias, 1), file);
        // Equal conv weight shapes, so only DJL's reader notices: it meets the conv bias where BatchNorm starts.
        assertThatThrownBy(() -> DjlParams.load(convNet("WithBatchNorm", false), file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "does not fit WithBatchNorm: parameter f.1.weight (DJL 'gamma', shape [4]) could not be read");
    }

    @Test
    void unknownExtensionAndForeignFilesAreRefused() throws Exception {
        Network net = Models.create("LeNet5", 10, 1, 28, 28);
        assertThatThrownBy(() -> WeightFiles.load(net, dir.resolve("w.pt")))
                .hasMessageContaining("model.weights")
                .hasMessageContaining(".npz")
                .hasMessageContaining(".params");
        assertThatThrownBy(() -> WeightFiles.load(net, dir.resolve("missing.params")))
                .hasMessageContaining("model.weights")
                .hasMessageContaining("not found");
        assertThatThrownBy(() -> WeightFiles.load(dir.resolve("w-0000.params")))
                .hasMessageContaining("model.weights")
                .hasMessageContaining("with the network");
        Path npzNamedParams = dir.resolve("npz.params");
        Files.write(npzNamedParams, WeightFiles.toBytes(randomWeights(net, 1)));
        assertThatThrownBy(() -> WeightFiles.load(net, npzNamedParams))
                .hasMessageContaining("model.weights")
                .hasMessageContaining("is not a DJL parameter file");
    }

    /** A 3x3 convolution, then BatchNorm when the convolution has no bias, then a classifier. */
    private static Network convNet(String name, boolean bias) {
        NetworkBuilder b =
                new NetworkBuilder(name, 1, 8, 8).sequence("f").then(n -> new Layer.Conv2d(n, 1, 4, 3, 1, 1, bias));
        if (!bias) {
            b.then(n -> new Layer.BatchNorm2d(n, 4, 1e-5f, 0.1f));
        }
        return b.then(Layer.ReLU::new)
                .then(Layer.Flatten::new)
                .then(n -> new Layer.Linear(n, 4 * 8 * 8, 10, true))
                .build(10);
    }

    /** Random values in every tensor, BatchNorm variances positive, so a swapped parameter shows. */
    static StateDict randomWeights(Network net, long seed) {
        Random rnd = new Random(seed);
        Map<String, HeapTensor> out = new LinkedHashMap<>();
        net.parameterShapes().forEach((name, shape) -> {
            float[] v = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
            for (int i = 0; i < v.length; i++) {
                v[i] = name.endsWith("running_var") ? 0.5f + rnd.nextFloat() : rnd.nextFloat() - 0.5f;
            }
            out.put(name, new HeapTensor(shape, v));
        });
        return new StateDict(out);
    }

    /** A DJL user's model: random init (BatchNorm statistics too), Model.save, then our load. */
    private void assertDjlFileGivesDjlLogits(Network net, Block user, String name) throws Exception {
        int[] s = net.inputShape();
        try (Model model = Model.newInstance(name, Device.cpu(), "PyTorch");
                NDManager m = NDManager.newBaseManager()) {
            user.setInitializer(new NormalInitializer(0.2f), p -> true);
            user.setInitializer(
                    (mm, shape, type) -> mm.randomUniform(0.5f, 1.5f, shape, type),
                    p -> p.getType() == Parameter.Type.RUNNING_VAR);
            user.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, s[0], s[1], s[2]));
            model.setBlock(user);
            model.save(dir, name);
            NDArray x = m.randomUniform(0f, 1f, new Shape(2, s[0], s[1], s[2]));
            float[] expected = djlForward(user, model.getNDManager(), x);
            StateDict loaded = DjlParams.load(net, dir.resolve(name + "-0000.params"));
            assertSameLogits(expected, liveForward(net, loaded, m, x));
        }
    }

    private static float[] djlForward(Block block, NDManager manager, NDArray x) {
        return block.forward(new ParameterStore(manager, false), new NDList(x), false)
                .singletonOrThrow()
                .toFloatArray();
    }

    private static float[] liveForward(Network net, StateDict w, NDManager m, NDArray x) {
        try (LoadedNetwork live = new LoadedNetwork(net, w, m)) {
            return live.forward(x, QuantPlan.FLOAT, null, false).toFloatArray();
        }
    }

    private static void assertSameLogits(float[] expected, float[] actual) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("logit %d", i).isCloseTo(expected[i], Offset.offset(LOGIT_TOLERANCE));
        }
        assertThat(expected).as("logits vary, so the check means something").doesNotContain(0f);
    }

    private static Block residual(int filters, int stride, Block shortcut) {
        SequentialBlock main = new SequentialBlock()
                .add(conv(filters, 3, stride, 1, false))
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(conv(filters, 3, 1, 1, false))
                .add(BatchNorm.builder().build());
        return new ParallelBlock(
                list -> new NDList(
                        list.get(0).singletonOrThrow().add(list.get(1).singletonOrThrow())),
                List.of(main, shortcut));
    }

    private static Block conv(int filters, int kernel, int stride, int padding, boolean bias) {
        return Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .setFilters(filters)
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(padding, padding))
                .optBias(bias)
                .build();
    }

    private static Block linear(int units) {
        return Linear.builder().setUnits(units).build();
    }

    private static Block maxPool() {
        return Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2));
    }
}
