package io.shiftq.engine.train;

import io.shiftq.engine.model.StateDict;
import io.shiftq.schema.report.EpochResult;

/** Hears a training run's progress: every batch and every finished epoch. */
public interface TrainingListener {
    /** A listener that ignores everything. */
    TrainingListener NONE = new TrainingListener() {};

    /** Called after every batch. */
    default void onBatch(BatchProgress progress) {}

    /** Called after every epoch with its evaluation. */
    default void onEpoch(EpochResult result) {}

    /** Called after every epoch with that epoch's parameters, for per-epoch checkpoints. */
    default void onCheckpoint(int epoch, StateDict weights) {}
}
