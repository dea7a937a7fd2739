package io.armada.storage;

import java.nio.file.Path;

/**
 * Child process of {@link CrashRecoveryTest}: applies puts forever, printing each index after
 * apply returns, until the test kills it with SIGKILL.
 */
public final class CrashWriter {
    static final int KEYS = 50;

    public static void main(String[] args) {
        TableStore store = TableStore.open(Path.of(args[0]), StoreOptions.defaults());
        Table table = store.hasTable(1) ? store.table(1) : store.createTable(1);
        System.out.println("start " + table.appliedIndex());
        System.out.flush();
        for (long i = table.appliedIndex() + 1; ; i++) {
            table.apply(i, i, Requests.put("k" + (i % KEYS), "v" + i));
            System.out.println(i);
            System.out.flush();
        }
    }
}
