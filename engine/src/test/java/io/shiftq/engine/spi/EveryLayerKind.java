package io.shiftq.engine.spi;

import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.ModelProvider;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.NetworkBuilder;
import java.util.List;
import java.util.Set;

/**
 * A test network with every layer kind an imported graph brings: a depthwise convolution with BatchNorm and ReLU6,
 * a residual add of a ReLU6 output, a channel shuffle and two channel slices, squeeze-excitation (global pool, 1x1
 * convolution, Sigmoid, the map times the per-channel gate), a product of two maps, a padded ceil-mode max pool (partial windows), a padded average pool that divides
 * the edge windows by their count inside the input, average pooling over a window that is not a power of two (3x3)
 * and one that is (2x2), max pooling and a concatenation of the two pools.
 */
public final class EveryLayerKind implements ModelProvider {
    @Override
    public Set<String> names() {
        return Set.of("EveryLayerKind");
    }

    @Override
    public Network create(String name, int numClasses, int channels, int height, int width) {
        NetworkBuilder b = new NetworkBuilder(name, channels, height, width);
        b.add(new Layer.Conv2d("stem", channels, 8, 3, 1, 1, false), List.of(Network.INPUT));
        b.add(new Layer.BatchNorm2d("stem_bn", 8, 1e-5f, 0.1f), List.of(b.last()));
        b.add(new Layer.ClippedReLU("stem_relu6", 6f), List.of(b.last()));
        b.add(new Layer.Conv2d("dw", 8, 8, 3, 2, 1, false, 8), List.of(b.last()));
        b.add(new Layer.BatchNorm2d("dw_bn", 8, 1e-5f, 0.1f), List.of(b.last()));
        b.add(new Layer.ClippedReLU("dw_relu6", 6f), List.of(b.last()));
        int dw = b.last();
        b.add(new Layer.Conv2d("pw", 8, 8, 1, 1, 0, true), List.of(dw));
        b.add(new Layer.Add("add"), List.of(b.last(), dw));
        int sum = b.last();
        int half = (height - 1) / 2 + 1;
        b.add(new Layer.ChannelShuffle("shuffle", 2), List.of(sum));
        int shuffled = b.last();
        b.add(new Layer.ChannelSlice("half_a", 0, 4), List.of(shuffled));
        int first = b.last();
        b.add(new Layer.ChannelSlice("half_b", 4, 8), List.of(shuffled));
        int second = b.last();
        b.add(new Layer.AvgPool2d("se_pool", half, half), List.of(second));
        b.add(new Layer.Conv2d("se_fc", 4, 4, 1, 1, 0, true), List.of(b.last()));
        b.add(new Layer.Sigmoid("se_gate"), List.of(b.last()));
        b.add(new Layer.Mul("se_mul"), List.of(second, b.last()));
        b.add(new Layer.Mul("product"), List.of(first, b.last()));
        b.add(new Layer.Concat("halves"), List.of(b.last(), first));
        Layer.PaddedPool2d pmax = new Layer.PaddedPool2d("pmax", true, 3, 2, 1, true, false);
        b.add(pmax, List.of(b.last()));
        b.add(new Layer.PaddedPool2d("pavg", false, 3, 1, 1, false, false), List.of(b.last()));
        int pooled = b.last();
        int h = pmax.outputSize(half);
        b.add(new Layer.AvgPool2d("avg3", 3, 3), List.of(pooled));
        int avg = b.last();
        b.add(new Layer.MaxPool2d("max3", 3, 3), List.of(pooled));
        b.add(new Layer.Concat("cat"), List.of(avg, b.last()));
        b.add(new Layer.AvgPool2d("avg2", 2, 2), List.of(b.last()));
        int side = ((h - 3) / 3 + 1) / 2;
        b.add(new Layer.Flatten("flatten"), List.of(b.last()));
        b.add(new Layer.Linear("head", 16 * side * side, numClasses, true), List.of(b.last()));
        return b.build(numClasses);
    }
}
