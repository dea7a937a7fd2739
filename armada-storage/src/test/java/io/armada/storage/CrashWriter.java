package io.armada.storage;

import java.nio.file.Path;

/**
 * Child process of {@link CrashRecoveryTest}: applies puts forever, printing each index after
 * apply returns, until the test kills it with SIGKILL.
 */
public final class CrashWriter {
    static final int KEYS = 50;

    /** Leader-cluster entries per local entry in {@code follower} mode. */
    static final int BATCH = 200;

    public static void main(String[] args) {
        TableStore store = TableStore.open(Path.of(args[0]), StoreOptions.defaults());
        Table table = store.hasTable(1) ? store.table(1) : store.createTable(1);
        System.out.println("start " + table.appliedIndex());
        System.out.flush();
        if (args.length > 1 && args[1].equals("follower")) {
            // a follower cluster's table: local entry i carries leader-cluster entries (i-1)*BATCH+1 .. i*BATCH
            for (long i = table.appliedIndex() + 1; ; i++) {
                java.util.List<Table.LeaderClusterEntry> batch = new java.util.ArrayList<>(BATCH);
                for (long l = (i - 1) * BATCH + 1; l <= i * BATCH; l++) {
                    batch.add(new Table.LeaderClusterEntry(l, Requests.put("k" + (l % KEYS), "v" + l)));
                }
                table.applyReplicated(i, batch);
                System.out.println(i);
                System.out.flush();
            }
        }
        for (long i = table.appliedIndex() + 1; ; i++) {
            table.apply(i, i, Requests.put("k" + (i % KEYS), "v" + i));
            System.out.println(i);
            System.out.flush();
        }
    }
}
