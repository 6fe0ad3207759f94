package io.shiftq.service.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import java.util.HashMap;
import java.util.Map;

/**
 * Puts a service's channels on the in-memory connector for logic tests. Init args: {@code incoming} and
 * {@code outgoing}, comma-separated channel names.
 */
public class InMemoryChannels implements QuarkusTestResourceLifecycleManager {

    private String[] incoming = {};
    private String[] outgoing = {};

    @Override
    public void init(Map<String, String> initArgs) {
        incoming = initArgs.getOrDefault("incoming", "").split(",");
        outgoing = initArgs.getOrDefault("outgoing", "").split(",");
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> properties = new HashMap<>();
        properties.putAll(InMemoryConnector.switchIncomingChannelsToInMemory(incoming));
        properties.putAll(InMemoryConnector.switchOutgoingChannelsToInMemory(outgoing));
        // No broker behind in-memory channels: tests cancel through the JobCancels bean instead of shiftq.control.
        properties.put("shiftq.cancel.listen", "false");
        return properties;
    }

    @Override
    public void stop() {
        InMemoryConnector.clear();
    }
}
