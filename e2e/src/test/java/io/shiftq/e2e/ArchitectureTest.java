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
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
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
     * (Deployment, IntegerChecker) sits on top of all.
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
     * Every type test left in the engine, by source file, with why it is not dispatch: the float layers are visited
     * ({@code LayerVisitor}) or asked ({@code Layer}'s methods), the operators call their own methods. A type test in
     * a file not listed here, or one more in a listed file, fails; so does a listed file that lost its tests (lower
     * its count). 139 before the operators became units, 49 before the float layers followed.
     */
    @Test
    void typeTestsInTheEngineAreTheListedOnes() {
        Map<String, Long> found = instanceofChecks().stream()
                .filter(c -> c.getOwner().getOwner().getPackageName().startsWith("io.shiftq.engine"))
                .collect(Collectors.groupingBy(ArchitectureTest::sourceFile, TreeMap::new, Collectors.counting()));
        Map<String, Long> allowed = new TreeMap<>();
        ENGINE_TYPE_TESTS.forEach((file, why) -> allowed.put(file, (long) why.count()));
        assertThat(found)
                .as("instanceof checks in the engine by file (see ENGINE_TYPE_TESTS)")
                .isEqualTo(allowed);
        assertThat(allowed.values().stream().mapToLong(Long::longValue).sum()).isLessThanOrEqualTo(10);
    }

    /** How many type tests a file may hold and why they are not dispatch over a sealed type. */
    private record Allowed(int count, String why) {}

    private static final Map<String, Allowed> ENGINE_TYPE_TESTS = Map.of(
            "io.shiftq.engine.model/BatchNormFolding.java",
            new Allowed(2, "a rewrite that matches one pair of concrete types, BatchNorm2d right after a Conv2d"),
            "io.shiftq.engine.onnx/OnnxImport.java",
            new Allowed(1, "the ONNX pattern MatMul + Add: the Add takes the bias of the Linear the MatMul made"),
            "io.shiftq.engine.model/HeapTensor.java",
            new Allowed(1, "equals()"),
            "io.shiftq.engine.quant/TensorQuant.java",
            new Allowed(1, "equals()"),
            "io.shiftq.engine.deploy.exec/IntegerExecutor.java",
            new Allowed(1, "a worker thread's exception: a cancellation is rethrown as it is"),
            "io.shiftq.engine.data/Batches.java",
            new Allowed(1, "a prefetch thread's exception: an unchecked cause is rethrown as it is"),
            "io.shiftq.engine.data/DecodedImage.java",
            new Allowed(
                    2,
                    "a decoder's exception (a DataException already names the file) and AWT's colour model (an"
                            + " indexed image is colour even when its palette is grey)"));

    private static String sourceFile(InstanceofCheck c) {
        JavaClass owner = c.getOwner().getOwner();
        return owner.getPackageName() + "/" + c.getSourceCodeLocation().getSourceFileName();
    }

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
