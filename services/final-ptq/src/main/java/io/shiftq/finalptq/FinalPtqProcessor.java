package io.shiftq.finalptq;

import io.shiftq.engine.pipeline.StepResults;
import io.shiftq.engine.pipeline.Workload;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.Topics;
import io.shiftq.service.Channels;
import io.shiftq.service.Completion;
import io.shiftq.service.StageRunner;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** shiftq.qat.done -> step 3, input/output shifts and the full shift records -> shiftq.final-ptq.done. */
@ApplicationScoped
public class FinalPtqProcessor {

    /** Incoming channel of {@code shiftq.qat.done}. */
    public static final String QAT_DONE = "qat-done";
    /** Outgoing channel of {@code shiftq.final-ptq.done}. */
    public static final String DONE = "final-ptq-done";

    private final StageRunner stages;
    private final Emitter<String> done;

    FinalPtqProcessor(StageRunner stages, @Channel(DONE) Emitter<String> done) {
        this.stages = stages;
        this.done = done;
    }

    /** Runs step 3 for one job after QAT; {@code pipeline.final_ptq: false} reports SKIPPED with the weight-only records. */
    @Incoming(QAT_DONE)
    @Blocking(value = Channels.WORKER_POOL, ordered = false)
    public void onQat(Record<String, String> qatDone) {
        stages.run(Stage.FINAL_PTQ, Topics.QAT_DONE, qatDone, StageCompleted.class, this::finalPtq, done);
    }

    StageCompleted finalPtq(StageCompleted qat) {
        Completion completion = Completion.after(qat, Stage.FINAL_PTQ);
        Workload workload = Workload.load(qat.config());
        StepResults.FinalPtq result = stages.engine().finalPtq(workload, workload.foldedNetwork(),
                stages.artifacts().weights(qat, "qat_weights"));
        return completion.skipped(result.skipped()).accuracy(result.accuracy()).shiftRecords(result.records())
                .metric("float32_bytes", result.size().float32Bytes())
                .metric("quantized_bytes", result.size().quantizedBytes())
                .metric("compression", result.size().compression())
                .build();
    }
}
