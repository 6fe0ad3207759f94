package io.shiftq.schema.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuantizationConfigTest {

    /** The problems a YAML config is refused with; fails when it is accepted. */
    static List<String> problemsOf(String yaml) {
        try {
            QuantizationConfig.parseYaml(yaml);
        } catch (ConfigException e) {
            return e.problems();
        }
        throw new AssertionError("expected a ConfigException for:\n" + yaml);
    }

    @Test
    void defaultsMatchTheSeed() {
        QuantizationConfig c = QuantizationConfig.defaults();
        assertThat(c.model()).isEqualTo(new ModelConfig("VGGSmall", 10, null, null));
        assertThat(c.data())
                .isEqualTo(new DataConfig(
                        "FashionMNIST",
                        "/usr/share/datasets/fashion-mnist",
                        64,
                        0,
                        0,
                        null,
                        null,
                        null,
                        null,
                        false,
                        2,
                        2,
                        false));
        assertThat(c.baseline()).isEqualTo(new BaselineConfig(0, 0.001));
        assertThat(c.training())
                .isEqualTo(new TrainingConfig(
                        5,
                        0.0001,
                        0.01,
                        "CrossEntropyLoss",
                        new OptimizerConfig("AdamW", 0.9, 0.9, 0.999, 1e-8),
                        new SchedulerConfig("StepLR", 10, 0.1, 0, 0.0, "epoch"),
                        42,
                        "fixed",
                        0.01,
                        false));
        assertThat(c.ptq()).isEqualTo(new PtqConfig(0, 50, false, false, "nearest", 1000));
        assertThat(c.quantization().weight()).isEqualTo(new TensorQuantConfig(8, true, true, false, "mse", 99.99));
        assertThat(c.quantization().input()).isEqualTo(new TensorQuantConfig(8, false, true, false, "mse", 99.99));
        assertThat(c.quantization().output()).isEqualTo(new TensorQuantConfig(8, false, true, false, "mse", 99.99));
        assertThat(c.quantization().bias()).isEqualTo(new TensorQuantConfig(32, true, true, false, "max", 99.99));
        assertThat(c.pipeline().finalPtq()).isTrue();
        assertThat(c.problems()).isEmpty();
    }

    @Test
    void emptyYamlGivesTheDefaults() {
        assertThat(QuantizationConfig.parseYaml("")).isEqualTo(QuantizationConfig.defaults());
        assertThat(QuantizationConfig.parseYaml("# only a comment\n")).isEqualTo(QuantizationConfig.defaults());
    }

    @Test
    void givenKeysAreMergedOverTheDefaults() {
        QuantizationConfig c = QuantizationConfig.parseYaml("""
                training: {epochs: 0}
                quantization:
                  weight: {bitwidth: 4}
                """);
        assertThat(c.training().epochs()).isZero();
        assertThat(c.training().learningRate()).isEqualTo(0.0001);
        assertThat(c.training().optimizer().type()).isEqualTo("AdamW");
        assertThat(c.quantization().weight()).isEqualTo(new TensorQuantConfig(4, true, true, false, "mse", 99.99));
        assertThat(c.quantization().bias().bitwidth()).isEqualTo(32);
        assertThat(c.model()).isEqualTo(ModelConfig.defaults());
    }

    @Test
    void anEmptySectionKeepsItsDefaults() {
        assertThat(QuantizationConfig.parseYaml("training:\nmodel: {weights: w.params}\n")
                        .training())
                .isEqualTo(TrainingConfig.defaults());
        assertThat(problemsOf("training:\n  epochs:\n"))
                .containsExactly("training.epochs: expected an integer, got ''");
    }

    @Test
    void nullableKeyCanBeSet() {
        assertThat(QuantizationConfig.parseYaml("model: {weights: /m/fp32.params}")
                        .model()
                        .weights())
                .isEqualTo("/m/fp32.params");
    }

    @Test
    void unknownKeyNamesItsPathAndTheAllowedKeys() {
        assertThat(problemsOf("training: {optimzer: {type: SGD}}"))
                .containsExactly(
                        "training.optimzer: unknown key; allowed: epochs, learning_rate, weight_decay, criterion, "
                                + "optimizer, scheduler, seed, thresholds, threshold_learning_rate, recalibrate_thresholds");
        assertThat(problemsOf("quantization: {weight: {bits: 4}}"))
                .containsExactly(
                        "quantization.weight.bits: unknown key; allowed: bitwidth, symmetric, power_of_2, per_channel, "
                                + "rounding, percentile");
        assertThat(problemsOf("modle: {}"))
                .singleElement()
                .asString()
                .startsWith(
                        "modle: unknown key; allowed: model, data, baseline, training, ptq, quantization, pipeline");
    }

    @Test
    void everyUnknownKeyIsReported() {
        assertThat(problemsOf("data: {batchsize: 3}\nptq: {calib: 2}")).hasSize(2);
    }

    @Test
    void typeErrorsNameTheField() {
        assertThat(problemsOf("training: {epochs: five}"))
                .containsExactly("training.epochs: expected an integer, got 'five'");
        assertThat(problemsOf("training: {epochs: 2.5}"))
                .containsExactly("training.epochs: expected an integer, got 2.5");
        assertThat(problemsOf("quantization: {weight: {bitwidth: null}}"))
                .containsExactly("quantization.weight.bitwidth: expected an integer, got null");
        assertThat(problemsOf("pipeline: {final_ptq: maybe}"))
                .containsExactly("pipeline.final_ptq: expected true or false, got 'maybe'");
        assertThat(problemsOf("training: 5"))
                .singleElement()
                .asString()
                .startsWith("training: expected a mapping with keys epochs, learning_rate");
        assertThat(problemsOf("model: {name: [a, b]}"))
                .containsExactly("model.name: expected a single value, got a list");
    }

    @Test
    void yamlSyntaxAndDuplicateKeysAreErrors() {
        assertThat(problemsOf("training: {epochs: 1\n"))
                .singleElement()
                .asString()
                .startsWith("yaml line");
        assertThat(problemsOf("training:\n  epochs: 1\n  epochs: 2\n"))
                .singleElement()
                .asString()
                .contains("Duplicate field 'epochs'");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            quantization: {weight: {bitwidth: 33}}          | quantization.weight.bitwidth: 33 is outside the allowed range 2..32
            quantization: {bias: {bitwidth: 1}}             | quantization.bias.bitwidth: 1 is outside the allowed range 2..32
            quantization: {input: {power_of_2: false}}      | quantization.input.power_of_2: false is not allowed; shiftq only produces power-of-two scales (set true)
            quantization: {output: {per_channel: true}}     | quantization.output.per_channel: true is only allowed for weight; allowed here: false
            quantization: {weight: {rounding: percentile}}  | quantization.weight.rounding: 'percentile' is only allowed for input and output; allowed here: max, round, mse
            quantization: {input: {rounding: minmax}}       | quantization.input.rounding: 'minmax' is not one of max, round, mse, percentile
            quantization: {input: {percentile: 50}}         | quantization.input.percentile: 50.0 is outside the allowed range (50, 100]
            quantization: {output: {percentile: 100.5}}     | quantization.output.percentile: 100.5 is outside the allowed range (50, 100]
            training: {optimizer: {type: Adamax}}           | training.optimizer.type: 'Adamax' is not one of AdamW, Adam, SGD
            training: {optimizer: {beta1: 1.0}}             | training.optimizer.beta1: 1.0 is outside the allowed range [0, 1)
            training: {optimizer: {beta2: -0.1}}            | training.optimizer.beta2: -0.1 is outside the allowed range [0, 1)
            training: {optimizer: {eps: 0}}                 | training.optimizer.eps: 0.0 is outside the allowed range (0, inf)
            training: {scheduler: {type: OneCycleLR}}       | training.scheduler.type: 'OneCycleLR' is not one of StepLR, CosineAnnealingLR, None
            training: {scheduler: {interval: batch}}        | training.scheduler.interval: 'batch' is not one of epoch, step
            training: {scheduler: {step_size: 0}}           | training.scheduler.step_size: must be a positive integer, got 0
            training: {scheduler: {gamma: 1.5}}             | training.scheduler.gamma: 1.5 is outside the allowed range (0, 1]
            training: {scheduler: {t_max: -1}}              | training.scheduler.t_max: must be a non-negative integer, got -1
            training: {epochs: -1}                          | training.epochs: must be a non-negative integer, got -1
            training: {learning_rate: 0}                    | training.learning_rate: 0.0 is outside the allowed range (0, inf)
            training: {weight_decay: -0.01}                 | training.weight_decay: -0.01 is outside the allowed range [0, inf)
            training: {criterion: NLLLoss}                  | training.criterion: 'NLLLoss' is not one of CrossEntropyLoss, MSELoss
            data: {batch_size: 0}                           | data.batch_size: must be a positive integer, got 0
            data: {train_limit: -5}                         | data.train_limit: must be a non-negative integer, got -5
            data: {dataset: ' '}                            | data.dataset: must not be blank, got ' '
            model: {name: ''}                               | model.name: must not be blank, got ''
            model: {num_classes: 0}                         | model.num_classes: 0 is outside the allowed range 1..100000
            model: {num_classes: 1000000000}                | model.num_classes: 1000000000 is outside the allowed range 1..100000
            data: {batch_size: 5000}                        | data.batch_size: 5000 is above the limit 4096 (shiftq.limits)
            data: {resize: [4096, 4096]}                    | data.resize: a batch of 64 images (data.batch_size) of up to 3 x 16777216 pixels holds 3221225472 values, above the bound 268435456 (1 GiB of float32); lower data.resize or data.batch_size
            data: {batch_size: 4096, resize: 256}           | data.resize: a batch of 4096 images (data.batch_size) of up to 3 x 65536 pixels holds 805306368 values, above the bound 268435456 (1 GiB of float32); lower data.resize or data.batch_size
            data: {dataset: ImageFolder, resize: 64, center_crop: 2048} | data.center_crop: a batch of 64 images (data.batch_size) of up to 3 x 4194304 pixels holds 805306368 values, above the bound 268435456 (1 GiB of float32); lower data.center_crop or data.batch_size
            baseline: {epochs: -2}                          | baseline.epochs: must be a non-negative integer, got -2
            ptq: {calibration_batches: 0}                   | ptq.calibration_batches: must be a positive integer, got 0
            ptq: {max_eval_batches: -1}                     | ptq.max_eval_batches: must be a non-negative integer, got -1
            ptq: {rounding: stochastic}                     | ptq.rounding: 'stochastic' is not one of nearest, learned
            ptq: {rounding_iterations: 0}                   | ptq.rounding_iterations: 0 is outside the allowed range 1..100000
            training: {thresholds: trained}                 | training.thresholds: 'trained' is not one of fixed, learned
            training: {threshold_learning_rate: 0}          | training.threshold_learning_rate: 0.0 is outside the allowed range (0, inf)
            {ptq: {rounding: learned}, quantization: {weight: {rounding: round}}} | quantization.weight.rounding: 'round' cannot be combined with ptq.rounding: learned; allowed: max, mse
            """)
    void eachRuleNamesFieldValueAndAllowedValues(String yaml, String expected) {
        assertThat(problemsOf(yaml)).containsExactly(expected);
    }

    @Test
    void resizeTakesTorchvisionsShorterSideOrHeightAndWidth() {
        DataConfig d = QuantizationConfig.parseYaml(
                        "data: {dataset: ImageFolder, path: /p, resize: 256, center_crop: 224, horizontal_flip: true}")
                .validated()
                .data();
        assertThat(d.resize()).containsExactly(256);
        assertThat(d.fixedResize()).isFalse();
        assertThat(d.resizeTo(300, 400)).containsExactly(256, 341);
        assertThat(d.resizeTo(500, 375)).containsExactly(341, 256);
        assertThat(d.usesFolderTransforms()).isTrue();
        DataConfig fixed =
                QuantizationConfig.parseYaml("data: {resize: [32, 40]}").data();
        assertThat(fixed.resizeTo(28, 28)).containsExactly(32, 40);
        assertThat(DataConfig.defaults().resizeTo(28, 28)).isNull();
    }

    @Test
    void theLargestBatchWithinTheBoundIsAccepted() {
        // 16 x 3 x 2048 x 2048 = 2^28 values exactly: the bound itself.
        assertThat(QuantizationConfig.parseYaml("data: {batch_size: 16, resize: [2048, 2048]}")
                        .problems())
                .isEmpty();
        assertThat(QuantizationConfig.parseYaml("model: {num_classes: 100000}").problems())
                .isEmpty();
    }

    @Test
    void loaderSettingsOutOfRangeAreNamed() {
        assertThatThrownBy(() -> QuantizationConfig.parseYaml(
                                "data: {workers: 0, prefetch: 99, center_crop: 0, random_resized_crop: 5000}")
                        .validated())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("data.workers: 0 is outside the allowed range 1..64")
                .hasMessageContaining("data.prefetch: 99 is outside the allowed range 1..16")
                .hasMessageContaining("data.center_crop: must be a size from 1 to 4096, got 0")
                .hasMessageContaining("data.random_resized_crop: must be a size from 1 to 4096, got 5000");
    }

    @Test
    void percentileRuleIsAllowedForActivations() {
        QuantizationConfig c =
                QuantizationConfig.parseYaml("quantization: {input: {rounding: percentile, percentile: 99.9}}");
        assertThat(c.quantization().input().rounding()).isEqualTo("percentile");
    }

    @Test
    void validatedCollectsEveryProblemIntoTheMessage() {
        QuantizationConfig bad = new QuantizationConfig(
                ModelConfig.defaults(),
                new DataConfig("", "/d", 0, 0, 0, null, List.of(0, 5000), null, null, false, 2, 2, false),
                BaselineConfig.defaults(),
                TrainingConfig.defaults(),
                PtqConfig.defaults(),
                QuantizationSpec.defaults(),
                null,
                TargetConfig.defaults());
        assertThatThrownBy(bad::validated)
                .isInstanceOf(ConfigException.class)
                .hasMessage("data.dataset: must not be blank, got ''; data.batch_size: must be a positive integer, "
                        + "got 0; data.resize: must be [height, width] or one size for the shorter side, each 1 to 4096, got [0,"
                        + " 5000]; pipeline: must be set");
        assertThat(QuantizationConfig.defaults().validated()).isEqualTo(QuantizationConfig.defaults());
    }

    @Test
    void toYamlRoundTrips() {
        QuantizationConfig c = QuantizationConfig.parseYaml("""
                model: {weights: artifacts/x.params}
                training: {epochs: 3, optimizer: {type: SGD}, scheduler: {type: None}}
                quantization: {weight: {bitwidth: 4, per_channel: true}}
                """);
        String yaml = c.toYaml();
        assertThat(yaml).contains("power_of_2: true", "per_channel: true", "learning_rate: 1.0E-4", "type: None");
        assertThat(QuantizationConfig.parseYaml(yaml)).isEqualTo(c);
    }

    @Test
    void loadPrefixesProblemsWithTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "data: {batch_size: -1}\n");
        assertThatThrownBy(() -> QuantizationConfig.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": data.batch_size: must be a positive integer, got -1");
        assertThatThrownBy(() -> QuantizationConfig.load(dir.resolve("missing.yaml")))
                .hasMessageContaining("missing.yaml: cannot read");
    }

    @Test
    void anOnnxModelAndANormalizationAreRead() {
        QuantizationConfig c = QuantizationConfig.parseYaml("""
                model: {path: models/resnet_style.onnx}
                data: {normalize: {mean: [0.286], std: [0.353]}}
                """);
        assertThat(c.model().path()).isEqualTo("models/resnet_style.onnx");
        assertThat(c.model().usesOnnx()).isTrue();
        assertThat(c.data().normalize()).isEqualTo(new DataConfig.Normalize(List.of(0.286), List.of(0.353)));
    }

    @Test
    void aModelPathMustBeAnOnnxFileWithoutSeparateWeights() {
        assertThat(problemsOf("model: {path: net.pt}"))
                .containsExactly("model.path: must name an .onnx file, got 'net.pt'");
        assertThat(problemsOf("model: {path: net.onnx, weights: w.npz}"))
                .containsExactly("model.weights: must not be set with model.path: the ONNX file holds the weights");
    }

    @Test
    void aNormalizationNeedsOnePositiveStdPerMean() {
        assertThat(problemsOf("data: {normalize: {mean: [0.5, 0.5], std: [0.25]}}"))
                .containsExactly("data.normalize: mean has 2 values and std 1; give one per channel");
        assertThat(problemsOf("data: {normalize: {mean: [0.5], std: [0]}}"))
                .containsExactly("data.normalize.std: must be positive finite numbers, got [0.0]");
        assertThat(problemsOf("data: {normalize: {mean: [0.5], sdt: [1]}}"))
                .singleElement()
                .asString()
                .startsWith("data.normalize.sdt");
    }
}
