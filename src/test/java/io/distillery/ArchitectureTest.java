package io.distillery;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.List;
import java.util.stream.Stream;

/**
 * The package rules, checked on the compiled main classes (bytecode, so a fully qualified use counts
 * like an import): the top-level packages form no cycle; the stages never use one another; the shared
 * packages use neither a stage nor {@code app}; only {@code model} touches DL4J and ND4J and writes
 * ONNX's protobuf; only {@code inference} touches ONNX Runtime.
 */
@AnalyzeClasses(packages = "io.distillery", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    private static final List<String> STAGES = List.of("ingest", "teacher", "student", "feedback", "serving");
    private static final String[] STAGE_PACKAGES = STAGES.stream().map(s -> "io.distillery." + s + "..")
        .toArray(String[]::new);
    private static final String[] STAGE_AND_APP_PACKAGES = Stream.concat(Stream.of(STAGE_PACKAGES),
        Stream.of("io.distillery.app..")).toArray(String[]::new);

    @ArchTest
    static final ArchRule shouldHaveNoCycleBetweenPackages =
        slices().matching("io.distillery.(*)..").namingSlices("io.distillery.$1").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule shouldKeepStagesIndependentOfOneAnother =
        slices().assignedFrom(new StageSlices()).should().notDependOnEachOther();

    @ArchTest
    static final ArchRule shouldKeepSharedPackagesFreeOfStagesAndApp =
        noClasses().that().resideInAPackage("io.distillery..").and().resideOutsideOfPackages(STAGE_AND_APP_PACKAGES)
            .should().dependOnClassesThat().resideInAnyPackage(STAGE_AND_APP_PACKAGES)
            .as("shared packages (all but the stages and app) should not depend on a stage or on app");

    @ArchTest
    static final ArchRule shouldTouchDl4jOnlyInModel =
        noClasses().that().resideOutsideOfPackage("io.distillery.model..")
            .should().dependOnClassesThat().resideInAnyPackage("org.deeplearning4j..", "org.nd4j..")
            .as("only io.distillery.model should depend on DL4J or ND4J");

    @ArchTest
    static final ArchRule shouldTouchOnnxRuntimeOnlyInInference =
        noClasses().that().resideOutsideOfPackage("io.distillery.inference..")
            .should().dependOnClassesThat().resideInAPackage("ai.onnxruntime..")
            .as("only io.distillery.inference should depend on ONNX Runtime");

    @ArchTest
    static final ArchRule shouldCallNativeCodeThroughJnaOnlyInOs =
        noClasses().that().resideOutsideOfPackage("io.distillery.os..")
            .should().dependOnClassesThat().resideInAPackage("com.sun.jna..")
            .as("only io.distillery.os should call native code through JNA");

    @ArchTest
    static final ArchRule shouldWriteOnnxProtobufOnlyInModel =
        noClasses().that().resideOutsideOfPackage("io.distillery.model..")
            .should().dependOnClassesThat().resideInAnyPackage("ai.onnx.proto..", "com.google.protobuf..")
            .as("only io.distillery.model should depend on ONNX's protobuf schema or on protobuf");

    /** One slice per stage package (subpackages included); every other class is left out. */
    private static final class StageSlices implements SliceAssignment {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
            for (String stage : STAGES) {
                String pkg = "io.distillery." + stage;
                if (c.getPackageName().equals(pkg) || c.getPackageName().startsWith(pkg + ".")) {
                    return SliceIdentifier.of(stage);
                }
            }
            return SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "the stages " + String.join(", ", STAGES);
        }
    }
}
