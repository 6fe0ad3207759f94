package io.shiftq.messaging;

import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * Who takes a job's next input: one consumer group per Java stage service ({@code shiftq-<stage>}, the services'
 * {@code quarkus.application.name}) and one for the AIMET worker, which runs every stage of its variant; and whether
 * anyone is in that group now, asked through Kafka's admin API. A job waiting on an empty group waits for ever, and
 * this is how it says so.
 */
public final class Workers {

    /** The AIMET worker's consumer group ({@code GROUP_ID} in services/aimet-worker/shiftq_aimet/worker.py). */
    public static final String AIMET_GROUP = "shiftq-aimet-worker";

    private Workers() {}

    /** The consumer group that takes a job of this variant at this stage. */
    public static String group(String variant, Stage stage) {
        return ShiftqEvent.AIMET.equals(variant) ? AIMET_GROUP : "shiftq-" + service(stage);
    }

    /** Every group a job can wait on, the stage services' in pipeline order, then the AIMET worker's. */
    public static List<String> allGroups() {
        List<String> groups = new java.util.ArrayList<>(
                Stage.PIPELINE.stream().map(s -> group(ShiftqEvent.CUSTOM, s)).toList());
        groups.add(AIMET_GROUP);
        return List.copyOf(groups);
    }

    /**
     * What a job waiting for this group is told when nobody is in it, e.g. {@code no aimet worker is running}.
     */
    public static String nobody(String variant, Stage stage) {
        String who = ShiftqEvent.AIMET.equals(variant) ? "aimet worker" : service(stage) + " service";
        return "no " + who + " is running (consumer group " + group(variant, stage)
                + " has no member); the job waits until one starts";
    }

    /** The stage a job with these finished stages waits on next, or null when all are done. */
    public static Stage next(Collection<Stage> done) {
        return Stage.PIPELINE.stream()
                .filter(s -> !done.contains(s))
                .findFirst()
                .orElse(null);
    }

    /**
     * Members now in each group; a group Kafka does not know has none.
     *
     * @throws ExecutionException when the broker cannot answer
     */
    public static Map<String, Integer> members(Admin admin, Collection<String> groups, Duration timeout)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<String, KafkaFuture<ConsumerGroupDescription>> described =
                admin.describeConsumerGroups(groups).describedGroups();
        Map<String, Integer> members = new LinkedHashMap<>();
        for (String group : groups) {
            try {
                members.put(
                        group,
                        described
                                .get(group)
                                .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                                .members()
                                .size());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    throw e;
                }
                members.put(group, 0);
            }
        }
        return members;
    }

    private static String service(Stage stage) {
        return stage.id().replace('_', '-');
    }
}
