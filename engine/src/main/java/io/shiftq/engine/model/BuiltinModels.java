package io.shiftq.engine.model;

import java.util.List;
import java.util.Set;

/** The built-in architectures: VGGSmall, LeNet5 and ResNetSmall, with PyTorch-style layer names. */
public final class BuiltinModels implements ModelProvider {

    @Override
    public Set<String> names() {
        return Set.of("VGGSmall", "LeNet5", "ResNetSmall");
    }

    @Override
    public Network create(String name, int numClasses, int channels, int height, int width) {
        return switch (name) {
            case "VGGSmall" -> vggSmall(numClasses, channels, height, width);
            case "LeNet5" -> leNet5(numClasses, channels, height, width);
            case "ResNetSmall" -> resNetSmall(numClasses, channels, height, width);
            default -> throw new IllegalArgumentException("model.name: '" + name + "' is not one of " + names());
        };
    }

    /** Two conv blocks of two 3x3 conv+BN+ReLU (32 then 64 channels) with max pooling, then two linear layers. */
    static Network vggSmall(int numClasses, int c, int h, int w) {
        NetworkBuilder b = new NetworkBuilder("VGGSmall", c, h, w).sequence("features");
        b.convBnRelu(c, 32, 3, 1).convBnRelu(32, 32, 3, 1).then(n -> new Layer.MaxPool2d(n, 2, 2));
        b.convBnRelu(32, 64, 3, 1).convBnRelu(64, 64, 3, 1).then(n -> new Layer.MaxPool2d(n, 2, 2));
        int flat = 64 * (h / 4) * (w / 4);
        b.add(new Layer.Flatten("flatten"), List.of(b.last()));
        b.sequence("classifier")
                .then(n -> new Layer.Linear(n, flat, 128, true))
                .then(Layer.ReLU::new)
                .then(n -> new Layer.Dropout(n, 0.25f))
                .then(n -> new Layer.Linear(n, 128, numClasses, true));
        return b.build(numClasses);
    }

    /** LeNet-5 with ReLU and max pooling (5x5 convolutions, 120-84 classifier). */
    static Network leNet5(int numClasses, int c, int h, int w) {
        NetworkBuilder b = new NetworkBuilder("LeNet5", c, h, w).sequence("features");
        b.then(n -> new Layer.Conv2d(n, c, 6, 5, 1, 2, true))
                .then(Layer.ReLU::new)
                .then(n -> new Layer.MaxPool2d(n, 2, 2));
        b.then(n -> new Layer.Conv2d(n, 6, 16, 5, 1, 0, true))
                .then(Layer.ReLU::new)
                .then(n -> new Layer.MaxPool2d(n, 2, 2));
        int flat = 16 * ((h / 2 - 4) / 2) * ((w / 2 - 4) / 2);
        b.add(new Layer.Flatten("flatten"), List.of(b.last()));
        b.sequence("classifier")
                .then(n -> new Layer.Linear(n, flat, 120, true))
                .then(Layer.ReLU::new)
                .then(n -> new Layer.Linear(n, 120, 84, true))
                .then(Layer.ReLU::new)
                .then(n -> new Layer.Linear(n, 84, numClasses, true));
        return b.build(numClasses);
    }

    /**
     * A small ResNet: a 16-channel stem, one identity residual block, one strided block with a
     * 1x1 downsample shortcut (32 channels), max pooling and a linear classifier.
     */
    static Network resNetSmall(int numClasses, int c, int h, int w) {
        NetworkBuilder b = new NetworkBuilder("ResNetSmall", c, h, w).sequence("stem");
        b.convBnRelu(c, 16, 3, 1);
        residualBlock(b, "layer1.0", 16, 16, 1);
        residualBlock(b, "layer2.0", 16, 32, 2);
        b.add(new Layer.MaxPool2d("pool", 2, 2), List.of(b.last()));
        b.add(new Layer.Flatten("flatten"), List.of(b.last()));
        b.add(new Layer.Linear("fc", 32 * (h / 4) * (w / 4), numClasses, true), List.of(b.last()));
        return b.build(numClasses);
    }

    private static void residualBlock(NetworkBuilder b, String p, int in, int out, int stride) {
        int x = b.last();
        b.add(new Layer.Conv2d(p + ".conv1", in, out, 3, stride, 1, false), List.of(x));
        b.add(new Layer.BatchNorm2d(p + ".bn1", out, 1e-5f, 0.1f), List.of(b.last()));
        b.add(new Layer.ReLU(p + ".relu1"), List.of(b.last()));
        b.add(new Layer.Conv2d(p + ".conv2", out, out, 3, 1, 1, false), List.of(b.last()));
        b.add(new Layer.BatchNorm2d(p + ".bn2", out, 1e-5f, 0.1f), List.of(b.last()));
        int main = b.last();
        int shortcut = x;
        if (stride != 1 || in != out) {
            b.add(new Layer.Conv2d(p + ".downsample.0", in, out, 1, stride, 0, false), List.of(x));
            b.add(new Layer.BatchNorm2d(p + ".downsample.1", out, 1e-5f, 0.1f), List.of(b.last()));
            shortcut = b.last();
        }
        b.add(new Layer.Add(p + ".add"), List.of(main, shortcut));
        b.add(new Layer.ReLU(p + ".relu2"), List.of(b.last()));
    }
}
