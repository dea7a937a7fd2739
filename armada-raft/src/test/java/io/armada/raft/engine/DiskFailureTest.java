package io.armada.raft.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.armada.raft.transport.tls.SelfSignedCertificates;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real disk failure, no mock: once a node process is running, its file-size limit is lowered
 * ({@code prlimit --fsize}), so when its log store's files outgrow it every write fails with EFBIG
 * (the JVM ignores SIGXFSZ). The node must stop with the fatal-storage status instead of retrying
 * and carrying on.
 */
class DiskFailureTest {
    /** Bytes any file of the node may reach: soon exhausted by the log's 8 KiB entries. */
    private static final long FILE_SIZE_LIMIT_BYTES = 4L << 20;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aFailedLogWriteStopsTheNode() throws Exception {
        SelfSignedCertificates.newAuthority("armada-test").writeNode(RaftNodeMain.CLUSTER, 1, dir.resolve("certs"));
        int port;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> javaCommand = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 23) {
            javaCommand.add("--sun-misc-unsafe-memory-access=allow");
        }
        javaCommand.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                RaftNodeMain.class.getName(),
                "1",
                dir.resolve("n1").toString(),
                dir.resolve("certs").toString(),
                "1=" + port));
        Path stderr = dir.resolve("n1.stderr.log");
        Process node =
                new ProcessBuilder(javaCommand).redirectError(stderr.toFile()).start();
        AtomicLong acked = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicReference<String> lastStatus = new AtomicReference<>("");
        java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader out =
                            new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = out.readLine()) != null) {
                            if (line.startsWith("ack ")) {
                                acked.incrementAndGet();
                            } else if (line.startsWith("err ")) {
                                refused.incrementAndGet();
                            } else if (line.startsWith("status ")) {
                                lastStatus.set(line);
                            } else if (line.startsWith("ready")) {
                                ready.countDown();
                            }
                        }
                    } catch (IOException e) {
                        // the process ended
                    }
                },
                "node-stdout");
        reader.setDaemon(true);
        reader.start();
        assertThat(ready.await(60, TimeUnit.SECONDS))
                .as("node ready; stderr:\n%s", Files.readString(stderr))
                .isTrue();
        Process limit = new ProcessBuilder(
                        "prlimit",
                        "--pid",
                        Long.toString(node.pid()),
                        "--fsize=" + FILE_SIZE_LIMIT_BYTES + ":" + FILE_SIZE_LIMIT_BYTES)
                .inheritIO()
                .start();
        assertThat(limit.waitFor(10, TimeUnit.SECONDS) && limit.exitValue() == 0)
                .as("prlimit applied")
                .isTrue();
        // stdin stays open until the node is gone: at end of input the node would stop cleanly by itself
        PrintStream in = new PrintStream(node.getOutputStream(), true, StandardCharsets.UTF_8);
        // "ready" means the group is open, not that it has elected itself: proposals sent before that are
        // refused as NOT_LEADER, and a fast writer can send all of them in that window
        await("the single-member group elects itself")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    in.println("status");
                    return lastStatus.get().startsWith("status LEADER");
                });
        String payload = "x".repeat(8 * 1024);
        // propose while the node lives, for at most 60 s and 50,000 proposals: on a loaded machine the
        // node refuses many as overloaded, so a fixed count may never reach the limit
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int sent = 0;
        for (; sent < 50_000 && node.isAlive() && System.nanoTime() < giveUp; sent++) {
            in.println("propose " + sent + payload);
        }
        boolean stopped = node.waitFor(30, TimeUnit.SECONDS);
        in.close();
        assertThat(stopped)
                .as(
                        "the node stops by itself after %d proposals (%d acknowledged, %d refused); stderr:%n%s",
                        sent, acked.get(), refused.get(), Files.readString(stderr))
                .isTrue();
        String log = Files.readString(stderr);
        assertThat(node.exitValue()).as("exit status; stderr:\n%s", log).isEqualTo(70);
        assertThat(log).contains("log store write failed");
        assertThat(acked.get())
                .as("writes were acknowledged before the disk filled")
                .isPositive();
    }
}
