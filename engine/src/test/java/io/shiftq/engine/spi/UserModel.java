package io.shiftq.engine.spi;

import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.ModelProvider;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.NetworkBuilder;
import java.util.List;
import java.util.Set;

/** A user's model plugged in through the SPI, as the seed's "add your model" does in Python. */
public final class UserModel implements ModelProvider {
    @Override
    public Set<String> names() {
        return Set.of("TinyUserNet");
    }

    @Override
    public Network create(String name, int numClasses, int channels, int height, int width) {
        NetworkBuilder b = new NetworkBuilder(name, channels, height, width).sequence("body");
        b.convBnRelu(channels, 8, 3, 2);
        b.add(new Layer.Flatten("flatten"), List.of(b.last()));
        b.add(new Layer.Linear("head", 8 * (height / 2) * (width / 2), numClasses, true), List.of(b.last()));
        return b.build(numClasses);
    }
}
