package io.armada.testkit.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.testkit.fuse.LossyFilesystem.Semantics;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded random file operations (create, write, overwrite, truncate, rename within and across
 * directories, unlink, fsync of files and directories) on the mount and, side by side, on a model
 * of the documented semantics; after each power cut the mount must hold exactly what the model
 * says survives: every name, and for each its inode's durable content. {@code -Dlossyfs.seed=N}
 * replays one seed.
 */
class LossyFilesystemModelTest {
    private static final List<String> DIRECTORIES = List.of("", "d1/", "d2/"); // all there before the mount: durable
    private static final int OPERATIONS = 80;
    private static final int CUTS = 4;

    @TempDir
    Path dir;

    static Stream<Arguments> runs() {
        Long replay = Long.getLong("lossyfs.seed");
        List<Arguments> runs = new ArrayList<>();
        for (Semantics s : Semantics.values()) {
            if (replay != null) {
                runs.add(Arguments.of(s, replay));
            } else {
                for (long seed = 1; seed <= 8; seed++) {
                    runs.add(Arguments.of(s, seed));
                }
            }
        }
        return runs.stream();
    }

    /** A file's identity: its bytes now and as of its last fsync. */
    private static final class Inode {
        byte[] current = new byte[0];
        byte[] durable = new byte[0];
    }

    /** Per directory (by prefix), its names now and as last committed. */
    private final Map<String, Map<String, Inode>> names = new HashMap<>();

    private final Map<String, Map<String, Inode>> durableNames = new HashMap<>();

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("runs")
    void aPowerCutKeepsExactlyWhatTheModelSays(Semantics semantics, long seed) throws Exception {
        Path backing = dir.resolve("backing");
        for (String d : DIRECTORIES) {
            Files.createDirectories(backing.resolve(d.isEmpty() ? "." : d));
            names.put(d, new TreeMap<>());
            durableNames.put(d, new TreeMap<>());
        }
        Random random = new Random(seed);
        List<String> trace = new ArrayList<>();
        try (LossyFilesystem fs = LossyFilesystem.mount(backing, dir.resolve("mnt"), semantics)) {
            Path m = fs.mountpoint();
            for (int cut = 0; cut < CUTS; cut++) {
                for (int i = 0; i < OPERATIONS / CUTS; i++) {
                    trace.add(step(m, random, semantics));
                }
                fs.powerCut();
                trace.add("power cut");
                Set<Inode> placed = Collections.newSetFromMap(new IdentityHashMap<>());
                for (String d : DIRECTORIES) { // after the reboot, what survived is both current and durable
                    Map<String, Inode> survived = new TreeMap<>();
                    durableNames.get(d).forEach((name, inode) -> {
                        // an inode under a second durable name comes back as a copy of its durable content
                        Inode restored = placed.add(inode) ? inode : new Inode();
                        restored.durable = inode.durable.clone();
                        restored.current = inode.durable.clone();
                        survived.put(name, restored);
                    });
                    names.put(d, survived);
                    durableNames.put(d, new TreeMap<>(survived));
                }
                assertMatches(m, String.join("\n", trace), seed);
            }
        }
    }

    private String step(Path m, Random random, Semantics semantics) throws IOException {
        String d = DIRECTORIES.get(random.nextInt(DIRECTORIES.size()));
        Map<String, Inode> here = names.get(d);
        List<String> existing = new ArrayList<>(here.keySet());
        String some = existing.isEmpty() ? null : existing.get(random.nextInt(existing.size()));
        int choice = random.nextInt(10);
        if (some == null || choice == 0) {
            String name = "f" + random.nextInt(6);
            Inode inode = here.get(name);
            byte[] data = bytes(random, 1 + random.nextInt(64));
            if (inode == null) {
                inode = new Inode();
                here.put(name, inode);
            }
            inode.current = data;
            try (FileChannel ch = FileChannel.open(
                    m.resolve(d + name),
                    StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(data));
            }
            return "write " + d + name + " " + data.length;
        }
        Inode inode = here.get(some);
        Path file = m.resolve(d + some);
        switch (choice) {
            case 1, 2 -> {
                byte[] data = bytes(random, 1 + random.nextInt(64));
                int at = random.nextInt(inode.current.length + 1);
                byte[] next = Arrays.copyOf(inode.current, Math.max(inode.current.length, at + data.length));
                System.arraycopy(data, 0, next, at, data.length);
                inode.current = next;
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(data), at);
                }
                return "write " + d + some + " at " + at + " " + data.length;
            }
            case 3 -> {
                int size = random.nextInt(inode.current.length + 1);
                inode.current = Arrays.copyOf(inode.current, size);
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.truncate(size);
                }
                return "truncate " + d + some + " " + size;
            }
            case 4, 5 -> {
                inode.durable = inode.current.clone();
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                if (semantics == Semantics.JOURNALED_METADATA) {
                    commitAll();
                }
                return "fsync " + d + some;
            }
            case 6 -> {
                if (semantics == Semantics.JOURNALED_METADATA) {
                    commitAll();
                } else {
                    durableNames.put(d, new TreeMap<>(here));
                }
                try (FileChannel ch = FileChannel.open(d.isEmpty() ? m : m.resolve(d), StandardOpenOption.READ)) {
                    ch.force(true);
                }
                return "fsync directory '" + d + "'";
            }
            case 7, 8 -> {
                String to = DIRECTORIES.get(random.nextInt(DIRECTORIES.size()));
                String name = "f" + random.nextInt(6);
                here.remove(some);
                names.get(to).put(name, inode);
                Files.move(
                        file,
                        m.resolve(to + name),
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
                return "rename " + d + some + " " + to + name;
            }
            default -> {
                here.remove(some);
                Files.delete(file);
                return "unlink " + d + some;
            }
        }
    }

    private void commitAll() {
        names.forEach((d, current) -> durableNames.put(d, new TreeMap<>(current)));
    }

    private void assertMatches(Path m, String trace, long seed) throws IOException {
        for (String d : DIRECTORIES) {
            Path directory = d.isEmpty() ? m : m.resolve(d);
            List<String> actual;
            try (Stream<Path> s = Files.list(directory)) {
                actual = s.map(p -> p.getFileName().toString())
                        .filter(n -> !DIRECTORIES.contains(n + "/"))
                        .sorted()
                        .toList();
            }
            assertThat(actual)
                    .as("names in '%s' after seed %d:%n%s", d, seed, trace)
                    .containsExactlyElementsOf(names.get(d).keySet());
            for (Map.Entry<String, Inode> e : names.get(d).entrySet()) {
                assertThat(Files.readAllBytes(directory.resolve(e.getKey())))
                        .as("%s%s after seed %d:%n%s", d, e.getKey(), seed, trace)
                        .isEqualTo(e.getValue().current);
            }
        }
    }

    private static byte[] bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
