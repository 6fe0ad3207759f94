package io.shiftq.reporting;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the reporting service. */
@ConfigMapping(prefix = "shiftq.artifacts")
public interface ReportingConfig {

    /** The artifact store directory shared with the stage services; reports go to {@code <root>/<job>/report.json}. */
    @WithDefault(".shiftq/artifacts")
    String root();
}
