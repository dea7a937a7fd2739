package io.armada.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of the production code, enforced (issue 15): each rule fails the build when a class
 * reaches across a layer it must not, instead of leaving it to review. From the bottom: the Raft
 * core (pure, deterministic, driven by the simulation), the rest of the Raft module, storage, and the
 * server, whose feature packages form no cycle.
 */
class LayeringTest {
    private static JavaClasses production;

    @BeforeAll
    static void importProductionClasses() {
        production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar")) // other modules' test jars
                .importPackages("io.armada");
    }

    @Test
    void theRaftCoreKnowsNothingOfTheEngineTheLogStoreOrTheTransports() {
        noClasses()
                .that()
                .resideInAPackage("io.armada.raft.core..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.armada.raft.engine..",
                        "io.armada.raft.log..",
                        "io.armada.raft.transport..",
                        "io.armada.storage..",
                        "io.armada.server..",
                        "io.netty..",
                        "io.grpc..",
                        "org.rocksdb..")
                .because("the core is a deterministic state machine: time, randomness, network and disk reach it"
                        + " only through its interfaces, so the simulation can drive it from a seed")
                .check(production);
    }

    @Test
    void raftAndStorageDependOnNoServerCode() {
        noClasses()
                .that()
                .resideInAnyPackage("io.armada.raft..", "io.armada.storage..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.armada.server..", "io.armada.client..", "io.armada.cli..")
                .check(production);
        noClasses()
                .that()
                .resideInAPackage("io.armada.storage..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.armada.raft..")
                .because("the table store applies commands; it does not know how they were agreed")
                .check(production);
    }

    @Test
    void theServersFeaturePackagesFormNoCycle() {
        slices().matching("io.armada.server.(*)..").should().beFreeOfCycles().check(production);
    }

    @Test
    void aNodeKnowsNothingOfTheApiReplicationOrOperations() {
        noClasses()
                .that()
                .resideInAPackage("io.armada.server.node..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.armada.server.api..",
                        "io.armada.server.replication..",
                        "io.armada.server.ops..",
                        "io.armada.server.dev..",
                        "io.armada.server.process..")
                .because("the replicated core is composed with the services around it in ArmadaServer")
                .check(production);
    }

    @Test
    void productionCodeHoldsNoTestCode() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.junit..", "org.assertj..", "org.awaitility..", "net.jqwik..", "com.tngtech.archunit..")
                .because("test helpers (the in-JVM network, fault injection, fixtures) live in test sources, shared"
                        + " through test jars, and never ship")
                .check(production);
    }
}
