package io.armada.raft.bench;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.metrics.SegmentedRaftLogMetrics;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apache Ratis as the baseline: three {@link RaftServer}s in this JVM over Ratis' gRPC transport on
 * 127.0.0.1, each hosting every group, with a state machine that only counts, and one async client per group.
 *
 * <p>Configuration is Ratis' default (on-disk segmented log, fsync before an entry counts as persisted, log
 * metadata entries on) except the election and RPC timeouts set in {@link #properties()}, and loopback
 * binding. Each Ratis group keeps its own log files and log-worker thread, so each group fsyncs on its own.
 */
public final class RatisTarget implements BenchTarget {
    private static final Logger LOG = LoggerFactory.getLogger(RatisTarget.class);
    static final String NAME = "ratis";
    static final int REPLICAS = 3;
    private static final int CLOSE_THREADS = 32;

    private final Duration setupTimeout;
    private final Map<String, String> settings;
    private final List<RaftServer> servers = new CopyOnWriteArrayList<>();
    private final List<RaftClient> clients = new CopyOnWriteArrayList<>();
    private final Map<RaftGroupId, CompletableFuture<RaftPeerId>> leaderReady = new ConcurrentHashMap<>();
    private final LongAdder appliedTransactions = new LongAdder();
    private final LongAdder leaderElectionsWon = new LongAdder();
    private final Set<String> logWorkerPrefixes = ConcurrentHashMap.newKeySet();
    private final AtomicLong callIds = new AtomicLong();
    private final List<RaftGroupId> groupIds = new CopyOnWriteArrayList<>();
    private final Map<RaftGroupId, RaftGroup> groupsById = new ConcurrentHashMap<>();
    private volatile RaftClient[] clientByGroup = new RaftClient[0];
    private volatile boolean closed;
    private volatile Window window;

    /** Counter values at {@link #beginMeasurement}, to report differences over the window. */
    private record Window(long startNanos, LogCounters log, long applied, long electionsWon) {}

    /** Sums over this target's Ratis log workers; {@code available} is false without our metrics registry. */
    private record LogCounters(boolean available, long fsyncs, long entriesAppended, long syncEvents, long syncNanos) {}

    public RatisTarget() {
        this(Duration.ofSeconds(240), Map.of());
    }

    /**
     * @param setupTimeout bound on adding the groups and on every group electing a leader that can commit
     * @param settings Ratis keys and values applied over the benchmark's settings (and under {@code -Draft.*})
     */
    public RatisTarget(Duration setupTimeout, Map<String, String> settings) {
        this.setupTimeout = setupTimeout;
        this.settings = Map.copyOf(settings);
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Settings shared by servers and clients: Ratis' defaults, then the benchmark's timeouts below, then the
     * constructor's settings, then any {@code -Draft.*} system property (e.g.
     * {@code -Draft.server.log.force.sync.num=256}), so another tuning can be tried without editing code.
     */
    RaftProperties properties() {
        RaftProperties properties = new RaftProperties();
        // Timeouts for many groups on few cores, as multi-group Ratis deployments set them. With Ratis' defaults
        // (elections after 150-300 ms, 3 s RPC timeouts) or even Armada's 500-1000 ms, 384 divisions on two cores
        // miss heartbeats under load and lose their leaders (see docs/benchmarks.md); longer ones keep them.
        RaftServerConfigKeys.Rpc.setTimeoutMin(properties, TimeDuration.valueOf(5, TimeUnit.SECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(properties, TimeDuration.valueOf(10, TimeUnit.SECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(60, TimeUnit.SECONDS));
        // The first election of a group falls back to these too: a shorter one only fails, since a new follower
        // refuses votes until 5 s (the minimum) after it was created, and then waits 5-10 s for the next try.
        // The closed loop queues up to F proposals per group by design; with Ratis' 3 s client timeout a
        // queued request is sent again (duplicate work) instead of awaited. Armada's target never resends.
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(60, TimeUnit.SECONDS));
        settings.forEach(properties::set);
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("raft."))
                .forEach(k -> properties.set(k, System.getProperty(k)));
        return properties;
    }

    /** {@link #properties()} plus what each server must have: its storage, loopback, synchronous fsync. */
    RaftProperties serverProperties(Path storageDir) {
        RaftProperties properties = properties();
        // Segmented log on disk, an entry counting as persisted only after FileChannel.force: Ratis' defaults.
        // An override to the in-memory log or to unsafe-flush (ack before force) is refused, not measured.
        // (async-flush, off by default, still forces before acking, so an override may turn it on.)
        if (RaftServerConfigKeys.Log.useMemory(properties) || RaftServerConfigKeys.Log.unsafeFlushEnabled(properties)) {
            throw new IllegalStateException("ratis: the benchmark needs the on-disk log with fsync before ack");
        }
        RaftServerConfigKeys.Log.setUseMemory(properties, false);
        RaftServerConfigKeys.Log.setUnsafeFlushEnabled(properties, false);
        RaftServerConfigKeys.setStorageDir(properties, List.of(storageDir.toFile()));
        GrpcConfigKeys.Server.setHost(properties, "127.0.0.1");
        GrpcConfigKeys.Server.setPort(properties, 0); // ephemeral; admin and client share this port
        return properties;
    }

    @Override
    public void start(Path dataDir, int groups) throws Exception {
        if (groups < 1 || groups > BenchOptions.MAX_GROUPS) {
            throw new IllegalArgumentException("groups: " + groups + " is outside 1.." + BenchOptions.MAX_GROUPS);
        }
        if (!servers.isEmpty() || closed) {
            throw new IllegalStateException("a RatisTarget starts once");
        }
        quietRatisLogs();
        if (!(MetricRegistries.global() instanceof RatisCountingMetrics)) {
            System.err.println("ratis: metrics registry is "
                    + MetricRegistries.global().getClass().getName() + ", not "
                    + RatisCountingMetrics.class.getSimpleName() + "; fsync figures will be n/a");
        }
        long startNanos = System.nanoTime();
        long deadline = startNanos + setupTimeout.toNanos();

        List<RaftPeer> peers = new ArrayList<>();
        for (int i = 0; i < REPLICAS; i++) {
            checkOpen();
            RaftPeerId id = RaftPeerId.valueOf("s" + i);
            RaftServer server = RaftServer.newBuilder()
                    .setServerId(id)
                    .setProperties(serverProperties(dataDir.resolve(id.toString())))
                    .setParameters(new Parameters())
                    .setStateMachineRegistry(groupId -> new CountingStateMachine())
                    .setOption(RaftStorage.StartupOption.FORMAT)
                    .build();
            servers.add(server);
            server.start();
            String address =
                    "127.0.0.1:" + server.getServerRpc().getInetSocketAddress().getPort();
            peers.add(RaftPeer.newBuilder()
                    .setId(id)
                    .setAddress(address)
                    .setClientAddress(address)
                    .setAdminAddress(address)
                    .build());
        }

        LOG.info("ratis: {} servers up after {} ms", REPLICAS, millisSince(startNanos));
        List<RaftGroupId> raftGroups = groupIds;
        List<CompletableFuture<RaftClientReply>> added = new ArrayList<>();
        ClientId adminClient = ClientId.randomId();
        for (int g = 0; g < groups; g++) {
            RaftGroup group = RaftGroup.valueOf(RaftGroupId.randomId(), peers);
            raftGroups.add(group.getGroupId());
            groupsById.put(group.getGroupId(), group);
            leaderReady.put(group.getGroupId(), new CompletableFuture<>());
            for (RaftServer server : servers) {
                logWorkerPrefixes.add(RaftGroupMemberId.valueOf(server.getId(), group.getGroupId())
                        .toString());
                added.add(server.groupManagementAsync(
                        GroupManagementRequest.newAdd(adminClient, server.getId(), callIds.incrementAndGet(), group)));
            }
        }
        for (CompletableFuture<RaftClientReply> reply : added) {
            RaftClientReply r = await(reply, deadline, "adding groups");
            if (!r.isSuccess()) {
                throw new IllegalStateException("ratis: adding a group failed: " + r.getException());
            }
        }

        LOG.info("ratis: {} groups added on every server after {} ms", groups, millisSince(startNanos));
        RaftClient[] byGroup = new RaftClient[groups];
        for (int g = 0; g < groups; g++) {
            RaftGroup group = groupsById.get(raftGroups.get(g));
            RaftPeerId leader = await(leaderReady.get(group.getGroupId()), deadline, "a leader in every group");
            checkOpen();
            RaftClient client = RaftClient.newBuilder()
                    .setProperties(properties())
                    .setParameters(new Parameters())
                    .setRaftGroup(group)
                    .setLeaderId(leader)
                    .build();
            clients.add(client);
            byGroup[g] = client;
        }
        clientByGroup = byGroup;
        LOG.info("ratis: every group has a ready leader after {} ms", millisSince(startNanos));
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** Ratis logs every group add and election at INFO (unconfigured logback: DEBUG) and warns on every close. */
    private static void quietRatisLogs() {
        if (LoggerFactory.getLogger("org.apache.ratis") instanceof ch.qos.logback.classic.Logger logger
                && logger.getLevel() == null) {
            logger.setLevel(ch.qos.logback.classic.Level.ERROR);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("ratis: closed during start");
        }
    }

    private static <T> T await(CompletableFuture<T> future, long deadlineNanos, String what) throws Exception {
        long left = deadlineNanos - System.nanoTime();
        try {
            return future.get(Math.max(left, 0), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new TimeoutException("ratis: timed out waiting for " + what);
        } catch (ExecutionException e) {
            throw new IllegalStateException("ratis: failed waiting for " + what, e.getCause());
        }
    }

    @Override
    public CompletableFuture<Void> propose(int group, byte[] payload) {
        RaftClient[] byGroup = clientByGroup;
        if (group < 0 || group >= byGroup.length) {
            throw new IllegalArgumentException("group " + group + " is outside 0.." + (byGroup.length - 1));
        }
        // Wrapping without a copy: the harness never mutates a payload it has handed over.
        Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(payload));
        return byGroup[group].async().send(message).thenApply(RatisTarget::checkSuccess);
    }

    private static Void checkSuccess(RaftClientReply reply) {
        if (!reply.isSuccess()) {
            throw new CompletionException(
                    reply.getException() != null
                            ? reply.getException()
                            : new IllegalStateException("ratis: reply not successful: " + reply));
        }
        return null;
    }

    /** Transactions applied by all replicas' state machines since start. */
    long appliedTransactions() {
        return appliedTransactions.sum();
    }

    @Override
    public void beginMeasurement() {
        window = new Window(System.nanoTime(), logCounters(), appliedTransactions.sum(), leaderElectionsWon.sum());
    }

    @Override
    public Map<String, Double> extraStats() {
        Window begin = window;
        if (begin == null) {
            throw new IllegalStateException("extraStats before beginMeasurement");
        }
        double seconds = (System.nanoTime() - begin.startNanos()) / 1e9;
        LogCounters now = logCounters();
        long fsyncs = now.fsyncs() - begin.log().fsyncs();
        long entries = now.entriesAppended() - begin.log().entriesAppended();
        long applied = appliedTransactions.sum() - begin.applied();
        long syncEvents = now.syncEvents() - begin.log().syncEvents();
        long syncNanos = now.syncNanos() - begin.log().syncNanos();
        boolean known = now.available() && fsyncs > 0;
        Map<String, Double> stats = new LinkedHashMap<>();
        stats.put("fsyncs/s", now.available() ? fsyncs / seconds : Double.NaN);
        stats.put("entries/fsync", known ? (double) entries / fsyncs : Double.NaN);
        stats.put("client entries/fsync", known ? (double) applied / fsyncs : Double.NaN);
        stats.put("fsync ms", now.available() && syncEvents > 0 ? syncNanos / 1e6 / syncEvents : Double.NaN);
        stats.put("elections", (double) (leaderElectionsWon.sum() - begin.electionsWon()));
        stats.put("leaderless groups", (double) leaderlessGroups());
        return stats;
    }

    /** Groups in which no replica is leader right now: a sign of election churn under overload. */
    private long leaderlessGroups() {
        long leaderless = 0;
        for (RaftGroupId id : groupIds) {
            boolean led = false;
            for (RaftServer server : servers) {
                try {
                    led |= server.getDivision(id).getInfo().isLeader();
                } catch (IOException e) {
                    // the division is gone (closing); it leads nothing
                }
            }
            leaderless += led ? 0 : 1;
        }
        return leaderless;
    }

    /** Sums the log-worker counters of this target's divisions (3 per group). */
    private LogCounters logCounters() {
        if (!(MetricRegistries.global() instanceof RatisCountingMetrics)) {
            return new LogCounters(false, 0, 0, 0, 0);
        }
        long fsyncs = 0;
        long entries = 0;
        long syncEvents = 0;
        long syncNanos = 0;
        Set<String> seen = new HashSet<>();
        for (RatisMetricRegistry r : MetricRegistries.global().getMetricRegistries()) {
            String prefix = r.getMetricRegistryInfo().getPrefix();
            if (r instanceof RatisCountingMetrics.Registry registry
                    && "log_worker".equals(r.getMetricRegistryInfo().getMetricsComponentName())
                    && logWorkerPrefixes.contains(prefix)
                    && seen.add(prefix)) {
                fsyncs += registry.count(SegmentedRaftLogMetrics.RAFT_LOG_FLUSH_COUNT);
                entries += registry.count(SegmentedRaftLogMetrics.RAFT_LOG_APPEND_ENTRY_COUNT);
                long[] sync = registry.timed(SegmentedRaftLogMetrics.RAFT_LOG_SYNC_TIME);
                syncEvents += sync[0];
                syncNanos += sync[1];
            }
        }
        return new LogCounters(true, fsyncs, entries, syncEvents, syncNanos);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        long startNanos = System.nanoTime();
        List<IOException> failures = new CopyOnWriteArrayList<>();
        // Clients first, so none retries against a closed server; in parallel, since each waits for its
        // gRPC channel to terminate. Then the servers, each closing all of its divisions.
        closeAll(clients, failures);
        closeAll(servers, failures);
        leaderReady.values().forEach(f -> f.cancel(false));
        LOG.info(
                "ratis: closed {} clients and {} servers in {} ms",
                clients.size(),
                servers.size(),
                millisSince(startNanos));
        if (!failures.isEmpty()) {
            IOException first = failures.get(0);
            failures.stream().skip(1).forEach(first::addSuppressed);
            throw first;
        }
    }

    private static void closeAll(List<? extends Closeable> resources, List<IOException> failures) {
        if (resources.isEmpty()) {
            return;
        }
        ExecutorService closer = Executors.newFixedThreadPool(Math.min(CLOSE_THREADS, resources.size()));
        try {
            CompletableFuture.allOf(resources.stream()
                            .map(r -> CompletableFuture.runAsync(
                                    () -> {
                                        try {
                                            r.close();
                                        } catch (IOException e) {
                                            failures.add(e);
                                        }
                                    },
                                    closer))
                            .toArray(CompletableFuture[]::new))
                    .join();
        } finally {
            closer.shutdown();
        }
    }

    /**
     * Applies nothing but a count, completing at once, so the benchmark measures Raft and not a state machine.
     * Reports the first time a replica is leader of its group and can commit, which ends {@link #start}.
     */
    private final class CountingStateMachine extends BaseStateMachine {
        @Override
        public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
            var entry = trx.getLogEntry();
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
            appliedTransactions.increment();
            return CompletableFuture.completedFuture(Message.EMPTY);
        }

        @Override
        public void notifyLeaderReady() {
            CompletableFuture<RaftPeerId> ready = leaderReady.get(getGroupId());
            if (ready != null) {
                ready.complete(getId());
            }
        }

        @Override
        public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeaderId) {
            if (member.getPeerId().equals(newLeaderId)) {
                leaderElectionsWon.increment();
            }
        }
    }
}
