package io.shiftq.engine.model;

/**
 * One method per float layer type: what a consumer that must treat every type (the DJL forward, the DJL block
 * mirror) implements, so the compiler names it when a type is added; one defined on a few types extends
 * {@link Partial}. Consumers that ask one property (has weights, fuses into its producer, commutes with a channel
 * scale) call {@link Layer}'s methods instead.
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

    /**
     * A visitor defined on a few layer types that refuses every other with {@link #refuse}: for consumers that only
     * make sense for some (the layers with weights, the built-in nets' DJL blocks). A new layer type gets its refusal
     * here once.
     *
     * @param <R> what the visit returns
     */
    abstract class Partial<R> implements LayerVisitor<R> {
        /** The exception for a layer of a type this visitor does not handle. */
        protected abstract RuntimeException refuse(Layer layer);

        @Override
        public R conv2d(Layer.Conv2d l) {
            throw refuse(l);
        }

        @Override
        public R linear(Layer.Linear l) {
            throw refuse(l);
        }

        @Override
        public R batchNorm2d(Layer.BatchNorm2d l) {
            throw refuse(l);
        }

        @Override
        public R relu(Layer.ReLU l) {
            throw refuse(l);
        }

        @Override
        public R clippedRelu(Layer.ClippedReLU l) {
            throw refuse(l);
        }

        @Override
        public R avgPool2d(Layer.AvgPool2d l) {
            throw refuse(l);
        }

        @Override
        public R concat(Layer.Concat l) {
            throw refuse(l);
        }

        @Override
        public R maxPool2d(Layer.MaxPool2d l) {
            throw refuse(l);
        }

        @Override
        public R flatten(Layer.Flatten l) {
            throw refuse(l);
        }

        @Override
        public R dropout(Layer.Dropout l) {
            throw refuse(l);
        }

        @Override
        public R add(Layer.Add l) {
            throw refuse(l);
        }

        @Override
        public R paddedPool2d(Layer.PaddedPool2d l) {
            throw refuse(l);
        }

        @Override
        public R sigmoid(Layer.Sigmoid l) {
            throw refuse(l);
        }

        @Override
        public R hardSigmoid(Layer.HardSigmoid l) {
            throw refuse(l);
        }

        @Override
        public R hardSwish(Layer.HardSwish l) {
            throw refuse(l);
        }

        @Override
        public R pointwise(Layer.Pointwise l) {
            throw refuse(l);
        }

        @Override
        public R mul(Layer.Mul l) {
            throw refuse(l);
        }

        @Override
        public R channelShuffle(Layer.ChannelShuffle l) {
            throw refuse(l);
        }

        @Override
        public R channelSlice(Layer.ChannelSlice l) {
            throw refuse(l);
        }
    }
}
