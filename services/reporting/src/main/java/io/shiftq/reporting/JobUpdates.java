package io.shiftq.reporting;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

/** Every change of the {@link JobBoard} as a stream, for the page's server-sent events. */
@ApplicationScoped
public class JobUpdates {

    /** Snapshots a slow browser may fall behind by before the oldest are dropped. */
    private static final int BUFFER = 1024;

    private final JobBoard board;
    private final BroadcastProcessor<JobView> updates = BroadcastProcessor.create();
    private final Runnable unsubscribe;

    JobUpdates(JobBoard board) {
        this.board = board;
        this.unsubscribe = board.subscribe(updates::onNext);
    }

    /** Each change of one job, starting with its current snapshot when it is known. */
    public Multi<JobView> job(String jobId) {
        Multi<JobView> live = updates.filter(v -> v.jobId().equals(jobId));
        Multi<JobView> now = Multi.createFrom().optional(() -> board.job(jobId));
        return withSnapshot(live, now);
    }

    /** Each change of any job, starting with every job's current snapshot. */
    public Multi<JobView> all() {
        return withSnapshot(
                updates, Multi.createFrom().deferred(() -> Multi.createFrom().iterable(board.jobs())));
    }

    /**
     * The live stream is subscribed before the snapshot is taken, so no change falls between the two; a browser
     * may see a change twice, which is harmless because each item is a whole snapshot.
     */
    private static Multi<JobView> withSnapshot(Multi<JobView> live, Multi<JobView> snapshot) {
        return Multi.createBy().merging().streams(live.onOverflow().buffer(BUFFER), snapshot);
    }

    @PreDestroy
    void close() {
        unsubscribe.run();
        updates.onComplete();
    }
}
