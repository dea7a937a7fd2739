package io.armada.server.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.armada.api.v1.ClusterGrpc;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.KeyValue;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.PutResponse;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RangeResponse;
import io.armada.api.v1.StatusRequest;
import io.armada.api.v1.TablesGrpc;
import io.armada.server.config.ServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three node processes on 127.0.0.1, started from YAML files as an operator would. Under a steady
 * write load through all three, the table's leader is killed with SIGKILL and later restarted:
 * every acknowledged write must be readable, at its acknowledged revision, on every node.
 */
class LeaderProcessesTest {
    private static final Duration START = Duration.ofSeconds(60);
    private static final int WRITES_BEFORE_KILL = 150;
    private static final int WRITES_AFTER_KILL = 150;

    @TempDir
    Path dir;

    private ProcessCluster cluster;

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aLeaderKilledUnderLoadLosesNoAcknowledgedWriteAndCatchesUpAfterRestart() throws Exception {
        var settings = new ServerConfig.RaftSettings(20, 10, 1, 2, 100); // small snapshot threshold: exercise snapshots
        cluster = ProcessCluster.start(dir, 3, settings, Map.of());
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
                .until(() -> TablesGrpc.newBlockingStub(cluster.channel(0))
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .create(CreateTableRequest.newBuilder().setName("load").build())
                        .hasTable());

        Map<String, Long> acked = new ConcurrentHashMap<>();
        AtomicBoolean stopWriting = new AtomicBoolean();
        AtomicLong attempts = new AtomicLong();
        java.util.concurrent.atomic.AtomicReference<String> lastError =
                new java.util.concurrent.atomic.AtomicReference<>();
        Thread writer = new Thread(
                () -> {
                    while (!stopWriting.get()) {
                        long i = attempts.getAndIncrement();
                        int node = (int) (i % 3);
                        if (!cluster.node(node).isAlive()) {
                            continue;
                        }
                        String key = "k" + i;
                        try {
                            PutResponse r = KVGrpc.newBlockingStub(cluster.channel(node))
                                    .withDeadlineAfter(3, TimeUnit.SECONDS)
                                    .put(PutRequest.newBuilder()
                                            .setTable("load")
                                            .setKey(ByteString.copyFromUtf8(key))
                                            .setValue(ByteString.copyFromUtf8("v" + i))
                                            .build());
                            acked.put(key, r.getHeader().getRevision());
                        } catch (StatusRuntimeException unknownOutcome) {
                            // not acknowledged: it may or may not be applied, and the check below does not count it
                            lastError.set("node " + (node + 1) + ": " + unknownOutcome.getStatus());
                        }
                    }
                },
                "writer");
        writer.start();
        try {
            awaitAcks(acked, WRITES_BEFORE_KILL, lastError);
            NodeProcess leader = cluster.node((int) tableLeader() - 1);
            leader.kill();
            awaitAcks(acked, acked.size() + WRITES_AFTER_KILL, lastError);
            leader.start(START);
            awaitAcks(acked, acked.size() + 20, lastError);
        } finally {
            stopWriting.set(true);
            writer.join(10_000);
        }

        long lastAcked =
                acked.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        for (int node = 0; node < 3; node++) {
            KVGrpc.KVBlockingStub kv =
                    KVGrpc.newBlockingStub(cluster.channel(node)).withDeadlineAfter(10, TimeUnit.SECONDS);
            int n = node;
            // the restarted node catches up from the log or a snapshot; wait until it applied the last acknowledged
            // write
            await().atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> KVGrpc.newBlockingStub(cluster.channel(n))
                                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                                    .range(RangeRequest.newBuilder()
                                            .setTable("load")
                                            .setKey(ByteString.copyFromUtf8("k"))
                                            .setCountOnly(true)
                                            .build())
                                    .getHeader()
                                    .getRevision()
                            >= lastAcked);
            RangeResponse all = kv.range(RangeRequest.newBuilder()
                    .setTable("load")
                    .setKey(ByteString.copyFromUtf8("k"))
                    .setRangeEnd(ByteString.copyFromUtf8("l"))
                    .build());
            Map<String, KeyValue> seen = new ConcurrentHashMap<>();
            all.getKvsList().forEach(kvp -> seen.put(kvp.getKey().toStringUtf8(), kvp));
            for (Map.Entry<String, Long> a : acked.entrySet()) {
                KeyValue got = seen.get(a.getKey());
                assertThat(got)
                        .as("node %d holds acknowledged %s", n + 1, a.getKey())
                        .isNotNull();
                assertThat(got.getValue().toStringUtf8())
                        .isEqualTo("v" + a.getKey().substring(1));
                assertThat(got.getModRevision())
                        .as("revision of %s", a.getKey())
                        .isEqualTo(a.getValue());
            }
        }
        assertThat(acked).hasSizeGreaterThanOrEqualTo(WRITES_BEFORE_KILL + WRITES_AFTER_KILL);
    }

    private void awaitAcks(
            Map<String, Long> acked, int count, java.util.concurrent.atomic.AtomicReference<String> lastError) {
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() >= count);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            StringBuilder logs = new StringBuilder();
            for (int i = 0; i < cluster.size(); i++) {
                NodeProcess n = cluster.node(i);
                String err = n.stderr();
                logs.append("\n--- node ")
                        .append(n.id())
                        .append(" stderr (tail):\n")
                        .append(err.substring(Math.max(0, err.length() - 3000)));
            }
            throw new AssertionError(
                    acked.size() + " of " + count + " writes acknowledged in 60 s; last error: " + lastError.get()
                            + logs,
                    e);
        }
    }

    private long tableLeader() {
        for (int i = 0; i < cluster.size(); i++) {
            ManagedChannel c = cluster.channel(i);
            try {
                var status = ClusterGrpc.newBlockingStub(c)
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .status(StatusRequest.getDefaultInstance());
                for (var t : status.getTablesList()) {
                    if (t.getTable().getName().equals("load")
                            && t.getTable().getStatus().getLeaderId() != 0) {
                        return t.getTable().getStatus().getLeaderId();
                    }
                }
            } catch (StatusRuntimeException e) {
                // try the next node
            }
        }
        throw new AssertionError("no node knows the leader of table load");
    }
}
