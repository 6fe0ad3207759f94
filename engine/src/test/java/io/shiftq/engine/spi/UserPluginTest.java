package io.shiftq.engine.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.engine.data.Datasets;
import io.shiftq.engine.model.Models;
import io.shiftq.engine.pipeline.PipelineRun;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.report.QuantizationReport;
import io.shiftq.schema.report.ShiftRecord;
import org.junit.jupiter.api.Test;

/** A model and a data set found through META-INF/services run the whole pipeline by name. */
class UserPluginTest {

    @Test
    void userModelAndDatasetAreFoundByName() {
        assertThat(Models.available()).contains("TinyUserNet", "VGGSmall");
        assertThat(Datasets.available()).contains("UserSet", "FashionMNIST");
        QuantizationReport r = new PipelineRun(new QuantizationEngine())
                .run("plugin", QuantizationConfig.parseYaml("""
                model: {name: TinyUserNet}
                data: {dataset: UserSet}
                baseline: {epochs: 1, learning_rate: 0.01}
                training: {epochs: 0}
                ptq: {calibration_batches: 2}
                """), TrainingListener.NONE)
                .report();
        assertThat(r.shiftRecords()).extracting(ShiftRecord::layer).containsExactly("body.0", "head");
        assertThat(r.finalQuantizationDetails()).containsKeys("body.0.weight", "head.output");
    }
}
