package io.shiftq.engine.pipeline;

import io.shiftq.engine.EngineSetup;

/**
 * The quantization engine of a process: starts DJL once, then hands out a {@link JobEngine} per prepared job, which
 * runs that job's stages.
 */
public final class QuantizationEngine {

    /** Starts DJL (offline, thread counts set). */
    public QuantizationEngine() {
        EngineSetup.start();
    }

    /** The engine for one job: its stages as calls on the job's data, network and config. */
    public JobEngine job(PreparedJob job) {
        return new JobEngine(job);
    }
}
