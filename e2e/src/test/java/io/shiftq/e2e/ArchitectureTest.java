package io.shiftq.e2e;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.InstanceofCheck;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.properties.HasSourceCodeLocation;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Where each module and package may reach, checked on the compiled classes of every module (this module is
 * built last, so they are all there): reporting and the CLI never touch the engine or DJL, the messaging module
 * (CloudEvents headers, written nowhere else) touches neither the engine nor the services, the schema touches
 * nothing of shiftq's, the engine knows nothing of services, Kafka or Quarkus, and the engine's packages form a
 * graph without cycles.
 */
class ArchitectureTest {

    private static final Path ROOT = Path.of("..");
    private static JavaClasses classes;

    @BeforeAll
    static void importEveryModule() {
        List<String> modules = List.of(
                "shared-schema",
                "engine",
                "tools",
                "cli",
                "services/messaging",
                "services/common",
                "services/calibration",
                "services/ptq",
                "services/qat",
                "services/final-ptq",
                "services/reporting");
        Path[] dirs = modules.stream()
                .map(m -> ROOT.resolve(m).resolve("target/classes"))
                .toArray(Path[]::new);
        for (Path dir : dirs) {
            assertThat(dir)
                    .as("compiled classes of every module (run the whole build: mvn verify)")
                    .isDirectory();
        }
        classes = new ClassFileImporter().importPaths(dirs);
    }

    @Test
    void reportingAndTheCliNeverReachTheEngineOrDjl() {
        noClasses()
                .that()
                .resideInAnyPackage("io.shiftq.reporting..", "io.shiftq.cli..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.shiftq.engine..", "ai.djl..")
                .check(classes);
    }

    @Test
    void theMessagingModuleNeverReachesTheEngineDjlOrTheServices() {
        noClasses()
                .that()
                .resideInAPackage("io.shiftq.messaging..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.shiftq.engine..",
                        "ai.djl..",
                        "io.shiftq.service..",
                        "io.shiftq.reporting..",
                        "io.shiftq.cli..",
                        "io.shiftq.tools..")
                .check(classes);
    }

    @Test
    void cloudEventsHeadersAreWrittenOnlyByTheMessagingModule() {
        noClasses()
                .that()
                .resideOutsideOfPackage("io.shiftq.messaging..")
                .should()
                .dependOnClassesThat()
                .haveFullyQualifiedName("org.apache.kafka.common.header.internals.RecordHeaders")
                .orShould()
                .dependOnClassesThat()
                .haveFullyQualifiedName("org.apache.kafka.common.header.internals.RecordHeader")
                .orShould()
                .dependOnClassesThat()
                .haveFullyQualifiedName("io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata")
                .check(classes);
    }

    @Test
    void theSchemaDependsOnNothingOfShiftqs() {
        noClasses()
                .that()
                .resideInAPackage("io.shiftq.schema..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.shiftq.engine..",
                        "io.shiftq.service..",
                        "io.shiftq.reporting..",
                        "io.shiftq.messaging..",
                        "io.shiftq.cli..",
                        "io.shiftq.tools..",
                        "ai.djl..",
                        "io.quarkus..",
                        "org.apache.kafka..")
                .check(classes);
    }

    @Test
    void theEngineKnowsNothingOfServicesKafkaOrQuarkus() {
        noClasses()
                .that()
                .resideInAPackage("io.shiftq.engine..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.shiftq.service..",
                        "io.shiftq.reporting..",
                        "io.shiftq.cli..",
                        "io.shiftq.tools..",
                        "io.quarkus..",
                        "org.apache.kafka..",
                        "org.eclipse.microprofile..")
                .check(classes);
    }

    @Test
    void theEnginesPackagesHaveNoCycles() {
        slices().matching("io.shiftq.engine.(*)..").should().beFreeOfCycles().check(classes);
    }

    private static final String DEPLOY = "io.shiftq.engine.deploy";

    /**
     * The integer model's packages in one direction: the operators ({@code ops}) know no consumer; the file formats
     * read and write them; the executors read the files; the C generator stands beside; the {@code deploy} facade
     * (Deployment, Agreement) sits on top of all.
     */
    @Test
    void deploySubPackagesDependInOneDirection() {
        noClasses()
                .that()
                .resideInAPackage(DEPLOY + ".ops..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(DEPLOY, DEPLOY + ".exec..", DEPLOY + ".c..", DEPLOY + ".format..")
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage(DEPLOY + ".format..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(DEPLOY, DEPLOY + ".exec..", DEPLOY + ".c..")
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage(DEPLOY + ".c..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(DEPLOY, DEPLOY + ".exec..", DEPLOY + ".format..")
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage(DEPLOY + ".exec..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(DEPLOY, DEPLOY + ".c..")
                .check(classes);
    }

    /**
     * An operator is one unit: nothing outside {@code deploy.ops} asks which operator it holds ({@code instanceof} on
     * an {@code Op} type); consumers call the operator's own methods.
     */
    @Test
    void nothingOutsideTheOperatorsTestsForAnOperatorType() {
        JavaClass op = classes.get(DEPLOY + ".ops.Op");
        List<String> found = instanceofChecks().stream()
                .filter(c -> !c.getOwner().getOwner().getPackageName().startsWith(DEPLOY + ".ops"))
                .filter(c -> c.getRawType().isAssignableTo(op.getName()))
                .map(HasSourceCodeLocation::getSourceCodeLocation)
                .map(Object::toString)
                .toList();
        assertThat(found).as("instanceof on operator types outside deploy.ops").isEmpty();
    }

    /**
     * A ratchet on type tests in the engine (139 before the operators became units): what is left dispatches on the
     * float graph's layer types (LoadedNetwork, DjlMirror, Network, CrossLayerEqualization ...) or inspects
     * exceptions. It may only go down.
     */
    @Test
    void instanceofChecksInTheEngineDoNotGrow() {
        List<String> found = instanceofChecks().stream()
                .filter(c -> c.getOwner().getOwner().getPackageName().startsWith("io.shiftq.engine"))
                .map(c -> c.getSourceCodeLocation().toString())
                .toList();
        assertThat(found).as("instanceof checks in the engine").hasSizeLessThanOrEqualTo(MAX_ENGINE_INSTANCEOF);
    }

    // 47 after the operator refactor; the image-folder loader (issue 21) added 5 that are not operator dispatch
    // (an exception's cause, a data set kind, an image's colour model); 49 once average pools and lookup tables were
    // asked through Layer's windowSumBits/pointwise instead of by type; 48 once concatenations and products were asked
    // through Layer's calibratedOutput. Lower it as the float layers follow.
    private static final int MAX_ENGINE_INSTANCEOF = 48;

    private static List<InstanceofCheck> instanceofChecks() {
        return classes.stream()
                .flatMap(c -> c.getCodeUnits().stream())
                .flatMap((JavaCodeUnit u) -> u.getInstanceofChecks().stream())
                .toList();
    }

    @Test
    void thePackagedReportingServiceCarriesNoEngineAndNoDjl() throws IOException {
        Path lib = ROOT.resolve("services/reporting/target/quarkus-app/lib/main");
        assertThat(lib).as("the packaged reporting service (mvn package)").isDirectory();
        try (Stream<Path> jars = Files.list(lib)) {
            assertThat(jars.map(p -> p.getFileName().toString()))
                    .isNotEmpty()
                    .noneMatch(name -> name.startsWith("ai.djl") || name.startsWith("io.shiftq.engine"));
        }
    }
}
