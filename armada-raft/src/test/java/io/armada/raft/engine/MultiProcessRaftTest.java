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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three Raft nodes as separate JVMs over QUIC on 127.0.0.1. Under a stream of proposals the
 * leader is killed with SIGKILL; every write acknowledged before or after must be applied, exactly
 * once, on the survivors and on the killed node once it restarts.
 */
class MultiProcessRaftTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final Map<Long, Node> nodes = new HashMap<>();
    private final Set<String> acked = ConcurrentHashMap.newKeySet();
    private String ports;

    /** A node process and what it prints. */
    private final class Node {
        final long id;
        final Process process;
        final PrintStream in;
        final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

        Node(long id) throws IOException {
            this.id = id;
            String java = ProcessHandle.current().info().command().orElseThrow();
            List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
            if (Runtime.version().feature() >= 23) {
                command.add("--sun-misc-unsafe-memory-access=allow");
            }
            command.addAll(List.of(
                    "-cp",
                    System.getProperty("java.class.path"),
                    RaftNodeMain.class.getName(),
                    Long.toString(id),
                    dir.resolve("n" + id).toString(),
                    dir.resolve("certs").toString(),
                    ports));
            this.process = new ProcessBuilder(command)
                    .redirectError(dir.resolve("n" + id + ".stderr.log").toFile())
                    .start();
            this.in = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
            Thread reader = new Thread(
                    () -> {
                        try (BufferedReader out = new BufferedReader(
                                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                            String line;
                            while ((line = out.readLine()) != null) {
                                if (line.startsWith("ack ")) {
                                    acked.add(line.split(" ")[1]);
                                } else {
                                    replies.add(line);
                                }
                            }
                        } catch (IOException e) {
                            // the process died; the test notices through its assertions
                        }
                    },
                    "node-" + id + "-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        /** Waits for the process to open its group; a node that dies shows its stderr. */
        void awaitReady() throws InterruptedException {
            await("node " + id + " ready", "ready");
        }

        String ask(String command, String replyPrefix) throws InterruptedException {
            in.println(command);
            return await(command, replyPrefix);
        }

        private String await(String what, String replyPrefix) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                String reply = replies.poll(1, TimeUnit.SECONDS);
                if (reply != null && reply.startsWith(replyPrefix)) {
                    return reply;
                }
                if (!process.isAlive()) {
                    throw new AssertionError("node " + id + " exited with " + process.exitValue() + " before answering "
                            + what + "; stderr:\n" + stderr());
                }
            }
            throw new AssertionError(
                    "node " + id + " did not answer " + what + " within " + WAIT + "; stderr:\n" + stderr());
        }

        private String stderr() {
            try {
                return java.nio.file.Files.readString(dir.resolve("n" + id + ".stderr.log"));
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }

        boolean isLeader() throws InterruptedException {
            return ask("status", "status ").startsWith("status LEADER");
        }

        List<String> applied() throws InterruptedException {
            String[] parts = ask("dump", "dump").split(" ");
            return Arrays.asList(parts).subList(1, parts.length);
        }
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Node n : nodes.values()) {
            n.process.destroyForcibly();
            n.process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private long leader(Set<Long> candidates) {
        long[] found = new long[1];
        await().atMost(WAIT).until(() -> {
            for (long id : candidates) {
                if (nodes.get(id).isLeader()) {
                    found[0] = id;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    private void proposeUntilAcked(long leader, String prefix, int count) {
        for (int i = 0; i < count; i++) {
            nodes.get(leader).in.println("propose " + prefix + i);
        }
        await().atMost(WAIT)
                .until(() -> acked.stream().filter(v -> v.startsWith(prefix)).count() >= count * 9L / 10);
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void killingTheLeaderLosesNoAcknowledgedWrite() throws Exception {
        SelfSignedCertificates authority = SelfSignedCertificates.newAuthority("armada-test");
        List<String> portList = new ArrayList<>();
        for (long id = 1; id <= 3; id++) {
            authority.writeNode(RaftNodeMain.CLUSTER, id, dir.resolve("certs"));
            try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                portList.add(id + "=" + s.getLocalPort());
            }
        }
        ports = String.join(",", portList);
        for (long id = 1; id <= 3; id++) {
            nodes.put(id, new Node(id));
        }
        for (long id = 1; id <= 3; id++) {
            nodes.get(id).awaitReady();
        }
        long first = leader(Set.of(1L, 2L, 3L));
        proposeUntilAcked(first, "a", 500);

        // Kill the leader while a second batch is in flight: some of it may be lost, none of what was acknowledged.
        for (int i = 0; i < 500; i++) {
            nodes.get(first).in.println("propose b" + i);
        }
        nodes.get(first).process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        Set<Long> survivors = nodes.keySet().stream().filter(id -> id != first).collect(Collectors.toSet());
        long second = leader(survivors);
        proposeUntilAcked(second, "c", 500);

        Set<String> acknowledged = Set.copyOf(acked);
        for (long id : survivors) {
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(nodes.get(id).applied()).containsAll(acknowledged));
            List<String> applied = nodes.get(id).applied();
            assertThat(applied).doesNotHaveDuplicates();
        }
        assertThat(nodes.get(survivors.iterator().next()).applied())
                .startsWith(nodes.get(survivors.stream().skip(1).findFirst().orElseThrow())
                        .applied()
                        .subList(0, 1000)
                        .toArray(String[]::new));

        // The killed node restarts from its own disk and catches up with everything acknowledged.
        nodes.put(first, new Node(first));
        nodes.get(first).awaitReady();
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(nodes.get(first).applied()).containsAll(acknowledged));
        assertThat(nodes.get(first).applied()).doesNotHaveDuplicates();
    }
}
