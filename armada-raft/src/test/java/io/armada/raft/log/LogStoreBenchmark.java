package io.armada.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Why the engine batches across groups: the cost of one synced write to the shared log store
 * against the number of entries (from many groups) it carries, next to a bare write+fdatasync
 * on a file. Scores are entries per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LogStoreBenchmark {
    static final int BATCH_OPS = 100;

    /** Entries per synced write, spread over this many groups. */
    @Param({"1", "10", "100"})
    int entriesPerSync;

    @Param({"100"})
    int payloadBytes;

    private Path dir;
    private LogStore store;
    private FileChannel file;
    private long[] nextIndex;
    private byte[] payload;
    private ByteBuffer fileBuffer;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("logstore-bench");
        store = LogStore.open(dir.resolve("log"), LogStoreOptions.defaults(), e -> {
            throw new IllegalStateException(e);
        });
        file = FileChannel.open(
                dir.resolve("plain.log"),
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        nextIndex = new long[entriesPerSync];
        java.util.Arrays.fill(nextIndex, 1);
        payload = new byte[payloadBytes];
        fileBuffer = ByteBuffer.allocateDirect((payloadBytes + 16) * entriesPerSync);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        file.close();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One synced RocksDB batch carrying one entry for each of {@code entriesPerSync} groups. */
    @Benchmark
    @OperationsPerInvocation(1)
    public void syncedBatchAcrossGroups(EntryCounter counter) {
        LogStore.Batch batch = store.batch();
        for (int group = 0; group < entriesPerSync; group++) {
            batch.append(group + 1, nextIndex[group]++, 1, payload);
        }
        store.write(batch, true);
        counter.entries += entriesPerSync;
    }

    /** The floor: the same bytes appended to a plain file and fdatasync'ed. */
    @Benchmark
    public void plainFileWriteAndForce(EntryCounter counter) throws IOException {
        fileBuffer.clear();
        while (fileBuffer.remaining() >= payloadBytes + 16) {
            fileBuffer.putLong(0).putLong(0).put(payload);
        }
        fileBuffer.flip();
        file.write(fileBuffer);
        file.force(false);
        counter.entries += entriesPerSync;
    }

    /** Reports entries/s next to syncs/s (JMH's primary score). */
    @org.openjdk.jmh.annotations.AuxCounters(org.openjdk.jmh.annotations.AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class EntryCounter {
        public long entries;
    }
}
