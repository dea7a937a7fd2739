package io.armada.testkit.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.armada.testkit.fuse.LossyFilesystem.Semantics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/**
 * The power-cut filesystem keeps exactly what was made durable: file data by its fsync, names by a
 * journal commit (any fsync) or, strictly, by their directory's fsync; and RocksDB on it keeps
 * synced writes and loses unsynced WAL writes, which a plain kill -9 would keep. Fails (never
 * skips) where FUSE is unavailable, saying what to install.
 */
class LossyFilesystemTest {
    @TempDir
    Path dir;

    private LossyFilesystem fs;

    private Path mount(Semantics semantics) throws Exception {
        fs = LossyFilesystem.mount(dir.resolve("backing"), dir.resolve("mnt"), semantics);
        return fs.mountpoint();
    }

    @AfterEach
    void unmount() throws Exception {
        if (fs != null) {
            fs.close();
        }
    }

    @Test
    void writeThenFsyncSurvivesAPowerCut() throws Exception {
        Path m = mount(Semantics.STRICT_POSIX);
        write(m.resolve("a"), "durable", true);
        fsyncDirectory(m);
        fs.powerCut();
        assertThat(Files.readString(m.resolve("a"))).isEqualTo("durable");
    }

    @Test
    void writesNotFsyncedAreLost() throws Exception {
        Path m = mount(Semantics.JOURNALED_METADATA);
        write(m.resolve("a"), "synced", true);
        append(m.resolve("a"), " appended later", false);
        write(m.resolve("never-synced"), "lost", false);
        write(m.resolve("b"), "b", true); // a journal commit: the name never-synced is durable, not its data
        LossyFilesystem.PowerCut cut = fs.powerCut();
        assertThat(Files.readString(m.resolve("a"))).isEqualTo("synced");
        assertThat(m.resolve("never-synced")).exists().isEmptyFile();
        assertThat(cut.filesReverted()).isEqualTo(2);
        assertThat(cut.bytesDropped()).isEqualTo(" appended later".length() + "lost".length());
    }

    @Test
    void overwritesAndTruncationsOfSyncedDataAreUndone() throws Exception {
        Path m = mount(Semantics.JOURNALED_METADATA);
        write(m.resolve("a"), "0123456789", true);
        try (FileChannel ch = FileChannel.open(m.resolve("a"), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("xy".getBytes(StandardCharsets.UTF_8)), 3);
            ch.truncate(5);
            ch.write(ByteBuffer.wrap("zzzz".getBytes(StandardCharsets.UTF_8)), 7);
        }
        assertThat(Files.readString(m.resolve("a"))).isEqualTo("012xy\0\0zzzz");
        fs.powerCut();
        assertThat(Files.readString(m.resolve("a"))).isEqualTo("0123456789");
    }

    @Test
    void fsyncIsWhatCountsNotTheBackingDirectory() throws Exception {
        Path m = mount(Semantics.JOURNALED_METADATA);
        write(m.resolve("a"), "one", true);
        append(m.resolve("a"), " two", true);
        append(m.resolve("a"), " three", false);
        fs.powerCut();
        assertThat(Files.readString(m.resolve("a"))).isEqualTo("one two");
        append(m.resolve("a"), " four", true); // the remounted filesystem tracks on from the durable state
        fs.powerCut();
        assertThat(Files.readString(m.resolve("a"))).isEqualTo("one two four");
    }

    @Test
    void strictRenameWithoutDirectoryFsyncIsLost() throws Exception {
        Path m = mount(Semantics.STRICT_POSIX);
        write(m.resolve("old"), "content", true);
        fsyncDirectory(m);
        Files.move(m.resolve("old"), m.resolve("new"), StandardCopyOption.ATOMIC_MOVE);
        write(m.resolve("other"), "x", true); // a file's fsync commits no name in the strict model
        fs.powerCut();
        assertThat(list(m)).containsExactly("old");
        assertThat(Files.readString(m.resolve("old"))).isEqualTo("content");
    }

    @Test
    void strictRenameThenDirectoryFsyncSurvives() throws Exception {
        Path m = mount(Semantics.STRICT_POSIX);
        write(m.resolve("target"), "previous", true);
        fsyncDirectory(m);
        write(m.resolve("target.tmp"), "replacement", true);
        Files.move(
                m.resolve("target.tmp"),
                m.resolve("target"),
                StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(m);
        fs.powerCut();
        assertThat(list(m)).containsExactly("target");
        assertThat(Files.readString(m.resolve("target"))).isEqualTo("replacement");
    }

    @Test
    void strictUnlinkWithoutDirectoryFsyncBringsTheFileBack() throws Exception {
        Path m = mount(Semantics.STRICT_POSIX);
        write(m.resolve("a"), "synced", true);
        fsyncDirectory(m);
        append(m.resolve("a"), " unsynced", false);
        Files.delete(m.resolve("a"));
        fs.powerCut();
        assertThat(Files.readString(m.resolve("a"))).isEqualTo("synced");
    }

    @Test
    void strictNewDirectoryNeedsItsParentSynced() throws Exception {
        Path m = mount(Semantics.STRICT_POSIX);
        Files.createDirectory(m.resolve("d"));
        write(m.resolve("d/f"), "f", true);
        fsyncDirectory(m.resolve("d"));
        fs.powerCut();
        assertThat(m.resolve("d")).doesNotExist(); // d's own entry was never synced in its parent
        Files.createDirectory(m.resolve("d"));
        write(m.resolve("d/f"), "f", true);
        fsyncDirectory(m.resolve("d"));
        fsyncDirectory(m);
        fs.powerCut();
        assertThat(Files.readString(m.resolve("d/f"))).isEqualTo("f");
    }

    @Test
    void journaledNameChangesBecomeDurableAtAnyFsync() throws Exception {
        Path m = mount(Semantics.JOURNALED_METADATA);
        write(m.resolve("a"), "a", true);
        Files.move(m.resolve("a"), m.resolve("renamed"), StandardCopyOption.ATOMIC_MOVE);
        Files.createDirectory(m.resolve("d"));
        write(m.resolve("d/unsynced-name"), "x", false);
        fs.powerCut(); // no fsync after the rename: it is lost with the rest
        assertThat(list(m)).containsExactly("a");
        Files.move(m.resolve("a"), m.resolve("renamed"), StandardCopyOption.ATOMIC_MOVE);
        Files.createDirectory(m.resolve("d"));
        write(m.resolve("d/f"), "f", true); // commits the rename and the mkdir, in order
        Files.delete(m.resolve("renamed")); // after the last commit: undone
        fs.powerCut();
        assertThat(list(m)).containsExactlyInAnyOrder("renamed", "d");
        assertThat(Files.readString(m.resolve("renamed"))).isEqualTo("a");
        assertThat(Files.readString(m.resolve("d/f"))).isEqualTo("f");
    }

    @Test
    void aCutWhileAProcessUsesTheMountIsRefused() throws Exception {
        Path m = mount(Semantics.JOURNALED_METADATA);
        write(m.resolve("a"), "a", true);
        try (FileChannel open = FileChannel.open(m.resolve("a"), StandardOpenOption.READ)) {
            fs.freeze();
            assertThatThrownBy(() -> Files.writeString(m.resolve("b"), "b")).isInstanceOf(IOException.class);
            assertThatThrownBy(fs::powerCut).hasMessageContaining("still uses the mount");
        }
        fs.powerCut();
        assertThat(list(m)).containsExactly("a");
    }

    @Test
    void rocksDbKeepsSyncedWritesAndLosesUnsyncedWalWritesAtAPowerCut() throws Exception {
        Path m = mount(Semantics.JOURNALED_METADATA);
        Path db = m.resolve("db");
        Process writer = startWriter(db, 100, 100);
        fs.freeze();
        kill(writer);
        LossyFilesystem.PowerCut cut = fs.powerCut();
        assertThat(cut.bytesDropped()).as("the unsynced WAL tail").isPositive();
        assertThat(keys(db))
                .as("after a power cut")
                .containsAll(expected("synced-", 100))
                .doesNotContainAnyElementsOf(expected("unsynced-", 100));
    }

    @Test
    void rocksDbKeepsUnsyncedWalWritesAtAPlainKill() throws Exception {
        Path m = mount(Semantics.JOURNALED_METADATA);
        Path db = m.resolve("db");
        kill(startWriter(db, 10, 100));
        // the process died, the machine did not: its writes are in the page cache (here, the backing files)
        assertThat(keys(db))
                .as("after kill -9 alone")
                .containsAll(expected("synced-", 10))
                .containsAll(expected("unsynced-", 100));
    }

    private static Process startWriter(Path db, int synced, int unsynced) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(
                        java,
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        RocksWriterMain.class.getName(),
                        db.toString(),
                        Integer.toString(synced),
                        Integer.toString(unsynced))
                .redirectErrorStream(true)
                .start();
        List<String> output = new ArrayList<>();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.equals("written")) {
                output.add(line);
            }
            if (line == null) {
                throw new IllegalStateException("the RocksDB writer ended before writing: " + output);
            }
        }
        return p;
    }

    private static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    private static List<String> keys(Path db) throws Exception {
        List<String> keys = new ArrayList<>();
        RocksDB.loadLibrary();
        try (Options options = new Options();
                RocksDB r = RocksDB.open(options, db.toString());
                var it = r.newIterator()) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                keys.add(new String(it.key(), StandardCharsets.UTF_8));
            }
        }
        return keys;
    }

    private static List<String> expected(String prefix, int n) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add(prefix + i);
        }
        return keys;
    }

    private static List<String> list(Path d) throws IOException {
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void write(Path file, String content, boolean fsync) throws IOException {
        try (FileChannel ch = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
            if (fsync) {
                ch.force(true);
            }
        }
    }

    private static void append(Path file, String content, boolean fsync) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
            if (fsync) {
                ch.force(true);
            }
        }
    }

    private static void fsyncDirectory(Path d) throws IOException {
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
