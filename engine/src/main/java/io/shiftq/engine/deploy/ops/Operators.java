package io.shiftq.engine.deploy.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.shiftq.engine.io.Npz;
import io.shiftq.engine.model.Layer;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The registration of every operator: which float layer it is built from and which model.json type it is read from.
 * Together with {@link Op}'s {@code permits} list, the only place besides the operator's own type that a new operator
 * is named.
 */
public final class Operators {
    private Operators() {}

    /** Builds an operator from one node of the folded network. */
    @FunctionalInterface
    interface Builder {
        Op build(LayerBuild b);
    }

    /** Reads an operator from its model.json object and the weights.npz arrays. */
    @FunctionalInterface
    public interface Reader {
        /** The operator. */
        Op read(JsonNode o, String name, List<Integer> inputs, Map<String, Npz.Array> arrays) throws IOException;
    }

    /** The builder of each float layer type the integer path supports (BatchNorm is folded before). */
    static final Map<Class<? extends Layer>, Builder> BUILDERS = Map.ofEntries(
            Map.entry(Layer.Conv2d.class, Weighted::conv),
            Map.entry(Layer.Linear.class, Weighted::linear),
            Map.entry(Layer.Add.class, Add::build),
            Map.entry(Layer.Concat.class, Concat::build),
            Map.entry(Layer.AvgPool2d.class, AvgPool::build),
            Map.entry(Layer.ReLU.class, Relu::build),
            Map.entry(Layer.ClippedReLU.class, ClippedRelu::build),
            Map.entry(Layer.MaxPool2d.class, MaxPool::build),
            Map.entry(Layer.PaddedPool2d.class, PaddedPool::build),
            Map.entry(Layer.Sigmoid.class, Lut::build),
            Map.entry(Layer.HardSigmoid.class, Lut::build),
            Map.entry(Layer.HardSwish.class, Lut::build),
            Map.entry(Layer.Pointwise.class, Lut::build),
            Map.entry(Layer.Mul.class, Mul::build),
            Map.entry(Layer.ChannelShuffle.class, ChannelGather::shuffle),
            Map.entry(Layer.ChannelSlice.class, ChannelGather::slice),
            Map.entry(Layer.Flatten.class, PassThrough::flatten),
            Map.entry(Layer.Dropout.class, PassThrough::identity));

    /** The reader of each model.json op type. */
    public static final Map<String, Reader> READERS = Map.ofEntries(
            Map.entry(Weighted.Kind.CONV.type(), (o, n, in, a) -> Weighted.read(Weighted.Kind.CONV, o, n, in, a)),
            Map.entry(Weighted.Kind.LINEAR.type(), (o, n, in, a) -> Weighted.read(Weighted.Kind.LINEAR, o, n, in, a)),
            Map.entry("add", Add::read),
            Map.entry("relu", Relu::read),
            Map.entry("maxpool", MaxPool::read),
            Map.entry("clipped_relu", ClippedRelu::read),
            Map.entry("avgpool", AvgPool::read),
            Map.entry("concat", Concat::read),
            Map.entry("padded_pool", PaddedPool::read),
            Map.entry("lut", Lut::read),
            Map.entry("mul", Mul::read),
            Map.entry("channel_gather", ChannelGather::read),
            Map.entry(
                    PassThrough.Kind.FLATTEN.type(),
                    (o, n, in, a) -> PassThrough.read(PassThrough.Kind.FLATTEN, o, n, in, a)),
            Map.entry(
                    PassThrough.Kind.IDENTITY.type(),
                    (o, n, in, a) -> PassThrough.read(PassThrough.Kind.IDENTITY, o, n, in, a)));

    /** The float layer types the integer path takes, by simple name, sorted: for refusals. */
    static String supported() {
        return String.join(
                ", ",
                BUILDERS.keySet().stream().map(Class::getSimpleName).sorted().toList());
    }
}
