package io.shiftq.reporting;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settings of the reporting service. */
@ConfigMapping(prefix = "shiftq.artifacts")
public interface ReportingConfig {

    /** The artifact store directory shared with the stage services; reports go to {@code <root>/<job>/report.json}. */
    @WithDefault(".shiftq/artifacts")
    String root();

    /** How long and how much the store keeps of finished jobs. */
    Retention retention();

    /**
     * The retention policy the service enforces ({@link JobCleanup#enforce}).
     */
    interface Retention {

        /**
         * Finished jobs whose newest file is older than this are deleted; 0 keeps them. 30 days: the topics'
         * {@code retention.ms}, so a job's events and its files go together.
         */
        @WithDefault("P30D")
        Duration maxAge();

        /** Above this many bytes in the store the oldest finished jobs are deleted; 0 = no bound. */
        @WithDefault("0")
        long maxBytes();

        /** How often the policy is applied. */
        @WithDefault("PT10M")
        Duration interval();
    }
}
