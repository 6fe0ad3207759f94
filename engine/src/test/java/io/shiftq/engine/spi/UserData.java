package io.shiftq.engine.spi;

import io.shiftq.engine.data.DataSplits;
import io.shiftq.engine.data.DatasetProvider;
import io.shiftq.engine.data.SyntheticData;
import java.nio.file.Path;
import java.util.Set;

/** A user's data set plugged in through the SPI. */
public final class UserData implements DatasetProvider {
    @Override
    public Set<String> names() {
        return Set.of("UserSet");
    }

    @Override
    public DataSplits load(String name, Path path) {
        DataSplits s = SyntheticData.create(512, 128, 10, 3);
        return new DataSplits(name, s.train(), s.test(), s.numClasses());
    }
}
