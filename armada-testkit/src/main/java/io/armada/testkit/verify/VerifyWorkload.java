package io.armada.testkit.verify;

import com.google.protobuf.ByteString;
import io.armada.api.v1.Compare;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.DeleteRangeRequest;
import io.armada.api.v1.DeleteTableRequest;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.KeyValue;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RangeResponse;
import io.armada.api.v1.RequestOp;
import io.armada.api.v1.TablesGrpc;
import io.armada.api.v1.TxnRequest;
import io.armada.api.v1.TxnResponse;
import io.armada.server.process.NodeProcess;
import io.armada.testkit.history.HistoryRecorder;
import io.armada.testkit.history.Operation;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients doing puts, deletes, compare-and-set transactions and linearizable and serializable
 * reads over a few hot keys in two tables, through leader-cluster nodes and (when there is one)
 * follower-cluster nodes, each operation recorded in a {@link HistoryRecorder}. One operation at a
 * time per client, one attempt per operation (no retries that could hide or double a write), every
 * written value unique so a read names the write it saw. Meanwhile a churn thread creates and
 * deletes tables.
 */
final class VerifyWorkload {
    static final List<String> TABLES = List.of("verify-a", "verify-b");
    static final int KEYS = 4;
    static final long DEADLINE_MILLIS = 5_000;
    static final long FAILURE_BACKOFF_MILLIS = 100;
    /** Codes that mean the operation certainly had no effect; anything else may hide a write that applied. */
    private static final Set<Status.Code> DEFINITE = Set.of(
            Status.Code.INVALID_ARGUMENT,
            Status.Code.NOT_FOUND,
            Status.Code.FAILED_PRECONDITION,
            Status.Code.RESOURCE_EXHAUSTED,
            Status.Code.PERMISSION_DENIED,
            Status.Code.UNAUTHENTICATED,
            Status.Code.UNIMPLEMENTED);

    private final LocalTopology topology;
    private final HistoryRecorder recorder;
    private final long seed;
    private final int clients;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong tablesChurned = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicReference<Throwable> broken =
            new java.util.concurrent.atomic.AtomicReference<>();
    private volatile boolean running = true;

    VerifyWorkload(LocalTopology topology, HistoryRecorder recorder, long seed, int clients) {
        this.topology = topology;
        this.recorder = recorder;
        this.seed = seed;
        this.clients = clients;
    }

    void start() {
        for (int c = 0; c < clients; c++) {
            int process = c;
            boolean viaFollowerCluster = !topology.followerClusterNodes().isEmpty() && c % 3 == 2;
            threads.add(Thread.ofPlatform()
                    .name("verify-client-" + c)
                    .uncaughtExceptionHandler(this::broke)
                    .start(() -> client(process, viaFollowerCluster)));
        }
        threads.add(Thread.ofPlatform()
                .name("verify-churn")
                .uncaughtExceptionHandler(this::broke)
                .start(this::churn));
    }

    private void broke(Thread t, Throwable e) {
        broken.compareAndSet(null, e);
    }

    /** Stops every client; a client that died of an unexpected error fails the run rather than thinning it silently. */
    void stop() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join();
        }
        if (broken.get() != null) {
            throw new IllegalStateException("a workload thread failed: " + broken.get(), broken.get());
        }
    }

    long tablesChurned() {
        return tablesChurned.get();
    }

    private void client(int process, boolean viaFollowerCluster) {
        Random random = new Random(seed * 1_000 + process);
        Map<String, Long> lastMod = new HashMap<>();
        long sequence = 0;
        while (running) {
            List<NodeProcess> nodes = (viaFollowerCluster
                            ? topology.followerClusterNodes()
                            : topology.leaderClusterNodes())
                    .stream().filter(NodeProcess::isReady).toList();
            if (nodes.isEmpty()) {
                pause(FAILURE_BACKOFF_MILLIS); // the whole cluster is down: nothing to send an operation to
                continue;
            }
            NodeProcess node = nodes.get(random.nextInt(nodes.size()));
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(topology.channel(node))
                    .withDeadlineAfter(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
            String table = TABLES.get(random.nextInt(TABLES.size()));
            String key = "key-" + random.nextInt(KEYS);
            String value = "p" + process + "-" + sequence++;
            String cluster = (viaFollowerCluster ? "follower " : "leader ") + LocalTopology.endpoint(node);
            int dice = random.nextInt(100);
            boolean ok = true;
            if (dice < 25) {
                HistoryRecorder.Pending op =
                        recorder.invoke(process, Operation.Kind.PUT, table, key, value, 0, null, cluster);
                ok = write(
                        op,
                        () -> kv.put(PutRequest.newBuilder()
                                        .setTable(table)
                                        .setKey(utf8(key))
                                        .setValue(utf8(value))
                                        .build())
                                .getHeader()
                                .getRevision(),
                        true);
            } else if (dice < 35) {
                HistoryRecorder.Pending op =
                        recorder.invoke(process, Operation.Kind.DELETE, table, key, null, 0, null, cluster);
                ok = write(
                        op,
                        () -> kv.deleteRange(DeleteRangeRequest.newBuilder()
                                        .setTable(table)
                                        .setKey(utf8(key))
                                        .build())
                                .getHeader()
                                .getRevision(),
                        true);
            } else if (dice < 50) {
                long expected = lastMod.getOrDefault(table + "/" + key, 0L);
                HistoryRecorder.Pending op =
                        recorder.invoke(process, Operation.Kind.CAS, table, key, value, expected, null, cluster);
                try {
                    TxnResponse r = kv.txn(TxnRequest.newBuilder()
                            .setTable(table)
                            .addCompare(Compare.newBuilder()
                                    .setKey(utf8(key))
                                    .setTarget(Compare.CompareTarget.MOD)
                                    .setResult(Compare.CompareResult.EQUAL)
                                    .setModRevision(expected))
                            .addSuccess(RequestOp.newBuilder()
                                    .setRequestPut(PutRequest.newBuilder()
                                            .setKey(utf8(key))
                                            .setValue(utf8(value))))
                            .build());
                    op.written(r.getHeader().getRevision(), r.getSucceeded());
                } catch (StatusRuntimeException e) {
                    failedWrite(op, e);
                    ok = false;
                }
            } else {
                // linearizable on a follower cluster means within that cluster only: such reads are checked for
                // revisions
                boolean linearizable = !viaFollowerCluster && random.nextBoolean();
                HistoryRecorder.Pending op = recorder.invoke(
                        process,
                        Operation.Kind.READ,
                        table,
                        key,
                        null,
                        0,
                        linearizable ? Operation.Consistency.LINEARIZABLE : Operation.Consistency.SERIALIZABLE,
                        cluster);
                try {
                    RangeResponse r = kv.range(RangeRequest.newBuilder()
                            .setTable(table)
                            .setKey(utf8(key))
                            .setLinearizable(linearizable)
                            .build());
                    KeyValue found = r.getKvsCount() == 0 ? null : r.getKvs(0);
                    op.read(
                            r.getHeader().getRevision(),
                            found == null ? null : found.getValue().toStringUtf8(),
                            found == null ? 0 : found.getModRevision());
                    lastMod.put(table + "/" + key, found == null ? 0 : found.getModRevision());
                } catch (StatusRuntimeException e) {
                    op.failed(); // a read has no effect, whatever went wrong
                    ok = false;
                }
            }
            if (!ok) {
                pause(FAILURE_BACKOFF_MILLIS); // a node that just failed is likely to fail again at once
            }
        }
    }

    @FunctionalInterface
    private interface Write {
        long revision();
    }

    private static boolean write(HistoryRecorder.Pending op, Write call, boolean unconditional) {
        try {
            op.written(call.revision(), unconditional);
            return true;
        } catch (StatusRuntimeException e) {
            failedWrite(op, e);
            return false;
        }
    }

    private static void failedWrite(HistoryRecorder.Pending op, StatusRuntimeException e) {
        if (DEFINITE.contains(e.getStatus().getCode())) {
            op.failed();
        } else {
            op.unknown(); // a timeout or a lost connection may hide a write that applied
        }
    }

    /** Creates a table and deletes the previous one every second or so, on the leader cluster. */
    private void churn() {
        Random random = new Random(seed ^ 0x5DEECE66DL);
        String previous = null;
        for (int n = 0; running; n++) {
            List<NodeProcess> alive = topology.leaderClusterNodes().stream()
                    .filter(NodeProcess::isReady)
                    .toList();
            if (!alive.isEmpty()) {
                var tables = TablesGrpc.newBlockingStub(topology.channel(alive.get(random.nextInt(alive.size()))))
                        .withDeadlineAfter(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
                try {
                    String name = "churn-" + n;
                    tables.create(CreateTableRequest.newBuilder().setName(name).build());
                    if (previous != null) {
                        tables.delete(DeleteTableRequest.newBuilder()
                                .setName(previous)
                                .build());
                    }
                    previous = name;
                    tablesChurned.incrementAndGet();
                } catch (StatusRuntimeException e) {
                    // faults make admin calls fail too; the next round tries again
                }
            }
            pause(1_000);
        }
    }

    private void pause(long millis) {
        try {
            Thread.sleep(millis); // pacing (churn, backoff after a failure), not a wait for a condition
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
