package io.shiftq.reporting;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.shiftq.messaging.Channels;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import java.util.HashMap;
import java.util.Map;

/** Puts every channel of the service on the in-memory connector, so the logic tests need no broker. */
public class InMemoryChannels implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        Map<String, String> props = new HashMap<>();
        props.putAll(InMemoryConnector.switchIncomingChannelsToInMemory(
                Channels.REQUESTS, Channels.STAGE_DONE, Channels.PROGRESS, Channels.FAILURES, Channels.REPORTS_IN));
        props.putAll(InMemoryConnector.switchOutgoingChannelsToInMemory(Channels.REPORTS_OUT, Channels.REQUESTS_OUT));
        return props;
    }

    @Override
    public void stop() {
        InMemoryConnector.clear();
    }
}
