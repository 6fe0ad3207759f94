package io.shiftq.engine.model;

/**
 * One method per float layer type: what a consumer that must treat every type (the DJL forward, the DJL block
 * mirror) implements, so the compiler names it when a type is added. Consumers that ask one property (has weights,
 * fuses into its producer, commutes with a channel scale) call {@link Layer}'s methods instead.
 *
 * @param <R> what the visit returns
 */
public interface LayerVisitor<R> {
    R conv2d(Layer.Conv2d l);

    R linear(Layer.Linear l);

    R batchNorm2d(Layer.BatchNorm2d l);

    R relu(Layer.ReLU l);

    R clippedRelu(Layer.ClippedReLU l);

    R avgPool2d(Layer.AvgPool2d l);

    R concat(Layer.Concat l);

    R maxPool2d(Layer.MaxPool2d l);

    R flatten(Layer.Flatten l);

    R dropout(Layer.Dropout l);

    R add(Layer.Add l);

    R paddedPool2d(Layer.PaddedPool2d l);

    R sigmoid(Layer.Sigmoid l);

    R hardSigmoid(Layer.HardSigmoid l);

    R hardSwish(Layer.HardSwish l);

    R pointwise(Layer.Pointwise l);

    R mul(Layer.Mul l);

    R channelShuffle(Layer.ChannelShuffle l);

    R channelSlice(Layer.ChannelSlice l);
}
