package io.armada.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.api.v1.KeyValue;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writing child JVM with SIGKILL, twice, and checks that every index it reported as
 * applied is in the store exactly once: no applied revision lost, none applied twice.
 */
class CrashRecoveryTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void noAppliedRevisionIsLostOrDoubledAcrossKills() throws Exception {
        long reported = 0;
        for (int round = 0; round < 2; round++) {
            reported = runAndKill(reported + 1500);
            try (TableStore store = TableStore.open(dir, StoreOptions.defaults())) {
                Table table = store.table(1);
                long applied = table.appliedIndex();
                assertThat(applied).as("applied index after kill %d", round).isGreaterThanOrEqualTo(reported);
                for (int k = 0; k < CrashWriter.KEYS; k++) {
                    KeyValue kv =
                            table.range(Requests.range("k" + k, "").build()).getKvs(0);
                    long lastWrite = applied - Math.floorMod(applied - k, CrashWriter.KEYS);
                    long writes = (lastWrite - (k == 0 ? CrashWriter.KEYS : k)) / CrashWriter.KEYS + 1;
                    assertThat(kv.getModRevision()).isEqualTo(lastWrite);
                    assertThat(kv.getValue().toStringUtf8()).isEqualTo("v" + lastWrite);
                    assertThat(kv.getVersion()).as("writes to k%d", k).isEqualTo(writes);
                    assertThat(kv.getCreateRevision()).isEqualTo(k == 0 ? CrashWriter.KEYS : k);
                }
                reported = applied;
            }
        }
    }

    /**
     * A follower cluster's local entry carries many leader-cluster entries; a kill in the middle of applying
     * one must leave all of them or none, or the entry (recorded as applied) is never replayed and the
     * rest of its leader-cluster entries are lost for good (issue 13, finding 3).
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aFollowerClusterEntryAppliesAllOrNothingAcrossKills() throws Exception {
        long reported = 0;
        for (int round = 0; round < 3; round++) {
            reported = runAndKill(reported + 20, "follower");
            try (TableStore store = TableStore.open(dir, StoreOptions.defaults())) {
                Table table = store.table(1);
                long applied = table.appliedIndex();
                assertThat(applied).as("applied index after kill %d", round).isGreaterThanOrEqualTo(reported);
                assertThat(table.leaderClusterIndex())
                        .as("leader-cluster index after kill %d, local entry %d applied", round, applied)
                        .isEqualTo(applied * CrashWriter.BATCH);
                assertThat(table.revision()).isEqualTo(applied * CrashWriter.BATCH);
                reported = applied;
            }
        }
    }

    private long runAndKill(long atLeast) throws Exception {
        return runAndKill(atLeast, "leader");
    }

    /** Starts the writer, waits until it reports {@code atLeast}, kills it; returns the last index it reported. */
    private long runAndKill(long atLeast, String mode) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(
                        java,
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        CrashWriter.class.getName(),
                        dir.toString(),
                        mode)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        long last = 0;
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (!line.startsWith("start")) {
                    last = Long.parseLong(line);
                    if (last >= atLeast) {
                        child.destroyForcibly();
                        break;
                    }
                }
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(last)
                .as("the writer reached %d before being killed", atLeast)
                .isGreaterThanOrEqualTo(atLeast);
        return last;
    }
}
