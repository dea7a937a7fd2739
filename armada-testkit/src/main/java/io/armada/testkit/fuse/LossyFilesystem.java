package io.armada.testkit.fuse;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A directory that loses, on a simulated power cut, every write a process did not fsync: a FUSE
 * filesystem mounted at {@code mountpoint} that passes every operation through to {@code backing}
 * and remembers what was made durable. A node process whose data directory is the mount point
 * then loses exactly what a power loss may take from it: both RocksDB instances' unsynced WAL
 * tails and files, snapshot files not fsynced, directory entries not committed.
 *
 * <h2>What a power cut keeps</h2>
 * <ul>
 *   <li><b>File data</b> (contents and size) as of the file's last {@code fsync} or
 *       {@code fdatasync}; a file never synced since it was created is empty. Everything written
 *       after, including overwrites and truncations of synced bytes, is undone. No torn writes,
 *       no partial writeback: the harshest outcome a page cache may give (nothing unsynced was
 *       written back).
 *   <li><b>Names</b> (create, mkdir, rename, unlink, rmdir), in one of two models:
 *       <ul>
 *         <li>{@link Semantics#JOURNALED_METADATA} (the default, used by {@code armada verify}):
 *             like ext4's journal, namespace changes become durable in order, all of those made so
 *             far at once, at any {@code fsync}, {@code fdatasync} or directory {@code fsync} on the
 *             filesystem (a journal commit). A file created, renamed or unlinked before some later
 *             fsync keeps that name change; its data still needs its own fsync (so a rename over a
 *             file whose data was not synced leaves an empty file, ext4's well-known outcome
 *             without {@code auto_da_alloc}). Unlike ext4, there is no periodic commit (every 5 s)
 *             and data blocks are never written with a commit (data=ordered would write them):
 *             this keeps less than ext4 (without {@code fast_commit}, mkfs's default) would, never more.
 *         <li>{@link Semantics#STRICT_POSIX}: a directory's entries are as of its own last
 *             {@code fsync}; a new, renamed or removed name survives only if its parent directory
 *             was fsynced after the change (what POSIX promises, and what RocksDB's own fault
 *             injection assumes). A directory itself must be named durably in its parent.
 *       </ul>
 *   <li>Everything in {@code backing} when it is mounted is durable. Permissions, owners and times
 *       pass through and are not modeled; hard links and symbolic links are refused (EPERM), as is
 *       {@code fallocate} other than plain or keep-size allocation (EOPNOTSUPP).
 * </ul>
 *
 * <h2>A power cut</h2>
 * {@link #freeze()} is the moment the power fails: every operation still to come fails with EIO
 * (the ones under way complete first). Then every process using the mount must end (kill -9 it:
 * the machine is off). {@link #powerCut()} unmounts, reverts {@code backing} to what was durable and
 * mounts again, as after the reboot. The backing directory always holds the current contents
 * (writes pass straight through, so reads need no merging); each file's undo log of overwritten
 * synced bytes and the directories' last committed entries are what the cut reverts to.
 *
 * <h2>Why a C program against libfuse3</h2>
 * The filesystem is {@code lossyfs.c} (a resource of this package), compiled once per machine with
 * gcc against libfuse3 and run as its own process per mount. Not jnr-fuse in this JVM: it binds
 * libfuse 2 (legacy) through jnr-ffi, whose native parts and {@code sun.misc.Unsafe} use are a risk
 * on every new JDK, and it would put this JVM's garbage collector and safepoints in the I/O path of
 * every node under test (a stall of the test JVM would stall all of their disks at once). A native
 * multi-threaded daemon per node is fast, independent of the JDK, and is ended and remounted on its
 * own. It needs the Debian packages {@code libfuse3-dev} and {@code fuse3}, gcc and {@code /dev/fuse};
 * {@code bin/armada-test} installs the packages ({@code bin/lib/fuse.sh}). Mounting needs root (or a
 * usable fusermount3).
 */
public final class LossyFilesystem implements AutoCloseable {
    /** How namespace changes become durable; see the class comment. */
    public enum Semantics {
        JOURNALED_METADATA("journaled"),
        STRICT_POSIX("strict");

        private final String argument;

        Semantics(String argument) {
            this.argument = argument;
        }
    }

    /** What one power cut discarded. */
    public record PowerCut(long filesReverted, long bytesDropped, long namesDropped) {}

    /** What to do when FUSE cannot be used here: the power-loss tests fail with this advice, never skip. */
    public static final String INSTALL_ADVICE = "install the Debian packages libfuse3-dev and fuse3 and gcc "
            + "(bin/armada-test does it through bin/lib/fuse.sh when run as root), and make /dev/fuse available "
            + "(in a container: --device /dev/fuse --cap-add SYS_ADMIN)";

    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern REVERTED = Pattern.compile("reverted files=(\\d+) bytes=(\\d+) names=(\\d+)");
    private static Path binary;

    private final Path backing;
    private final Path mountpoint;
    private final Semantics semantics;
    private final Path log;
    private Process daemon;
    private BlockingQueue<String> replies;
    private boolean frozen;

    private LossyFilesystem(Path backing, Path mountpoint, Semantics semantics) {
        this.backing = backing;
        this.mountpoint = mountpoint;
        this.semantics = semantics;
        this.log = backing.resolveSibling(backing.getFileName() + ".lossyfs.log");
    }

    /** Mounts {@code backing} at {@code mountpoint} (both created if missing) with journaled metadata. */
    public static LossyFilesystem mount(Path backing, Path mountpoint) throws IOException, InterruptedException {
        return mount(backing, mountpoint, Semantics.JOURNALED_METADATA);
    }

    public static LossyFilesystem mount(Path backing, Path mountpoint, Semantics semantics)
            throws IOException, InterruptedException {
        Files.createDirectories(backing);
        Files.createDirectories(mountpoint);
        LossyFilesystem fs = new LossyFilesystem(backing.toAbsolutePath(), mountpoint.toAbsolutePath(), semantics);
        fs.start();
        return fs;
    }

    public Path mountpoint() {
        return mountpoint;
    }

    public Path backing() {
        return backing;
    }

    public Semantics semantics() {
        return semantics;
    }

    private void start() throws IOException, InterruptedException {
        daemon = new ProcessBuilder(binary().toString(), backing.toString(), mountpoint.toString(), semantics.argument)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        replies = new LinkedBlockingQueue<>();
        Process p = daemon;
        BlockingQueue<String> q = replies;
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader out =
                            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = out.readLine()) != null) {
                            q.add(line);
                        }
                    } catch (IOException e) {
                        // the daemon ended
                    }
                },
                "lossyfs-" + mountpoint.getFileName());
        reader.setDaemon(true);
        reader.start();
        String first = reply("mounting");
        if (!first.equals("mounted")) {
            throw new IllegalStateException(
                    "lossyfs did not mount " + mountpoint + ": " + first + "; " + INSTALL_ADVICE);
        }
        frozen = false;
    }

    /**
     * The power fails now: no write, metadata change or fsync from this moment on reaches the disk
     * (each fails with EIO). The caller then ends every process using the mount, and calls
     * {@link #powerCut()}.
     */
    public void freeze() throws IOException, InterruptedException {
        if (frozen) {
            return;
        }
        send("freeze");
        String r = reply("freeze");
        if (!r.equals("frozen")) {
            throw new IllegalStateException("lossyfs at " + mountpoint + " did not freeze: " + r);
        }
        frozen = true;
    }

    /**
     * Completes a power cut (freezing first if {@link #freeze()} was not called): unmounts, reverts
     * the backing directory to what was durable, and mounts again. Every process that used the
     * mount must have ended.
     *
     * @throws IllegalStateException when a process still uses the mount (the mount stays frozen)
     */
    public PowerCut powerCut() throws IOException, InterruptedException {
        freeze();
        send("cut");
        String r = reply("power cut");
        if (r.startsWith("busy")) {
            throw new IllegalStateException(
                    "power cut of " + mountpoint + ": a process still uses the mount (" + r + "); kill it first");
        }
        Matcher m = REVERTED.matcher(r);
        if (!m.matches()) {
            throw new IllegalStateException(
                    "power cut of " + mountpoint + ": lossyfs answered '" + r + "'; its log: " + readLog());
        }
        awaitExit();
        start();
        return new PowerCut(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)));
    }

    /** A clean unmount: the backing directory keeps everything, synced or not. Processes using the mount must have ended. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (daemon == null || !daemon.isAlive()) {
            return;
        }
        send("unmount");
        String r = reply("unmount");
        awaitExit();
        if (!r.equals("unmounted")) {
            throw new IllegalStateException("lossyfs at " + mountpoint + " did not unmount: " + r);
        }
    }

    private void awaitExit() throws InterruptedException {
        if (!daemon.waitFor(REPLY_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("lossyfs at " + mountpoint + " did not exit");
        }
    }

    private void send(String command) throws IOException {
        OutputStream in = daemon.getOutputStream();
        in.write((command + "\n").getBytes(StandardCharsets.US_ASCII));
        in.flush();
    }

    private String reply(String what) throws InterruptedException {
        long deadline = System.nanoTime() + REPLY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            String line = replies.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                return line;
            }
            if (!daemon.isAlive() && replies.isEmpty()) {
                return "(exited with " + daemon.exitValue() + " while " + what + "; its log: " + readLog() + ")";
            }
        }
        return "(no answer within " + REPLY_TIMEOUT.toSeconds() + " s while " + what + "; its log: " + readLog() + ")";
    }

    private String readLog() {
        try {
            return Files.exists(log) ? Files.readString(log).strip() : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /**
     * The daemon, compiled from this package's {@code lossyfs.c} the first time on this machine
     * (kept in the temporary directory by the source's digest, so a changed source is rebuilt).
     *
     * @throws IllegalStateException when it cannot be built, saying what to install
     */
    static synchronized Path binary() throws IOException, InterruptedException {
        if (binary != null) {
            return binary;
        }
        if (!Files.exists(Path.of("/dev/fuse"))) {
            throw new IllegalStateException("FUSE is not available: /dev/fuse is missing; " + INSTALL_ADVICE);
        }
        byte[] source;
        try (InputStream in = LossyFilesystem.class.getResourceAsStream("lossyfs.c")) {
            if (in == null) {
                throw new IllegalStateException("lossyfs.c is not on the class path");
            }
            source = in.readAllBytes();
        }
        String digest;
        try {
            digest = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(source))
                    .substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "armada-lossyfs-" + digest);
        Path built = dir.resolve("lossyfs");
        if (!Files.isExecutable(built)) {
            Files.createDirectories(dir);
            Path c = Files.write(dir.resolve("lossyfs.c"), source);
            Path partial = Files.createTempFile(dir, "lossyfs", ".partial");
            // header and library locations as Debian's libfuse3-dev installs them (what pkg-config --cflags --libs
            // fuse3 says)
            List<String> command = List.of(
                    "gcc",
                    "-O2",
                    "-Wall",
                    "-I/usr/include/fuse3",
                    "-o",
                    partial.toString(),
                    c.toString(),
                    "-lfuse3",
                    "-lpthread");
            Process gcc;
            try {
                gcc = new ProcessBuilder(command).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new IllegalStateException(
                        "FUSE is not available: gcc cannot be run (" + e.getMessage() + "); " + INSTALL_ADVICE, e);
            }
            String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (gcc.waitFor() != 0) {
                Files.deleteIfExists(partial);
                throw new IllegalStateException("FUSE is not available: lossyfs.c does not build ("
                        + String.join(" ", command) + "):\n" + output + "\n" + INSTALL_ADVICE);
            }
            Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rwx------"));
            Files.move(partial, built, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        binary = built;
        return binary;
    }
}
