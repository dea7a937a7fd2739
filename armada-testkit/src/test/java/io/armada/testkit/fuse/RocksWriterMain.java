package io.armada.testkit.fuse;

import java.nio.charset.StandardCharsets;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteOptions;

/**
 * A process that writes to a RocksDB database and then waits to be killed: {@code synced} keys
 * {@code synced-i} with {@code setSync(true)}, then {@code unsynced} keys {@code unsynced-i} with
 * {@code setSync(false)} (in the WAL, not fsynced). Prints "written" when done.
 */
public final class RocksWriterMain {
    private RocksWriterMain() {}

    public static void main(String[] args) throws Exception {
        RocksDB.loadLibrary();
        String dir = args[0];
        int synced = Integer.parseInt(args[1]);
        int unsynced = Integer.parseInt(args[2]);
        try (Options options = new Options().setCreateIfMissing(true);
                RocksDB db = RocksDB.open(options, dir);
                WriteOptions sync = new WriteOptions().setSync(true);
                WriteOptions noSync = new WriteOptions().setSync(false)) {
            for (int i = 0; i < synced; i++) {
                db.put(sync, bytes("synced-" + i), bytes("value-" + i));
            }
            for (int i = 0; i < unsynced; i++) {
                db.put(noSync, bytes("unsynced-" + i), bytes("value-" + i));
            }
            System.out.println("written");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE); // until kill -9
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
