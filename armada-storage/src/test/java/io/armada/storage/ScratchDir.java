package io.armada.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A temporary directory removed on close, for property tests whose every try opens a store
 * (jqwik has no per-try {@code @TempDir}): hundreds of tries would otherwise leave hundreds of
 * RocksDB directories in /tmp. Open it first in a try-with-resources, so the stores close before it.
 */
final class ScratchDir implements AutoCloseable {
    private final Path path;

    ScratchDir(String prefix) throws IOException {
        this.path = Files.createTempDirectory(prefix);
    }

    Path path() {
        return path;
    }

    Path resolve(String name) {
        return path.resolve(name);
    }

    @Override
    public void close() {
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + path, e);
        }
    }
}
