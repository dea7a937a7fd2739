package io.armada.server.process;

import io.armada.server.ServerMain;
import io.armada.server.config.ServerConfig;
import io.armada.server.ops.Failpoints;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One Armada node as its own JVM ({@link ServerMain} with a YAML file), as an operator would run
 * it, on this JVM's class path: for multi-process tests and {@code armada verify}. The file is
 * written from a {@link ServerConfig}, so the loader is exercised too. Faults: {@link #kill()}
 * (SIGKILL), {@link #pause()} and {@link #resume()} (SIGSTOP, SIGCONT), and, for a process started
 * with failpoints enabled, {@link #setFailpoint} over the node's ops endpoint.
 */
public final class NodeProcess implements AutoCloseable {
    private static final Duration FAILPOINT_TIMEOUT = Duration.ofSeconds(5);
    private final ServerConfig config;
    private final Path yaml;
    private final Path stderr;
    private final Path stdout;
    private final Map<String, String> environment;
    private Process process;
    /** Counted down by this run's ready line; replaced at every start. */
    private volatile CountDownLatch readyLine = new CountDownLatch(1);

    public NodeProcess(ServerConfig config, Path workDir) throws IOException {
        this(config, workDir, Map.of());
    }

    /**
     * @param environment added to this JVM's environment for the node's process, e.g.
     *     {@link Failpoints#ENVIRONMENT_VARIABLE}{@code =enabled}
     */
    public NodeProcess(ServerConfig config, Path workDir, Map<String, String> environment) throws IOException {
        this.config = config;
        this.environment = Map.copyOf(environment);
        Files.createDirectories(workDir);
        this.yaml = workDir.resolve("node-" + config.nodeId() + ".yaml");
        this.stderr = workDir.resolve("node-" + config.nodeId() + ".stderr.log");
        this.stdout = workDir.resolve("node-" + config.nodeId() + ".stdout.log");
        Files.writeString(yaml, toYaml(config));
    }

    public long id() {
        return config.nodeId();
    }

    public ServerConfig config() {
        return config;
    }

    /** The running JVM's process id (for jcmd in resource tests). */
    public long pid() {
        return process.pid();
    }

    /**
     * Starts the JVM and waits for its serving line (it listens). A node of a cluster not yet up is
     * not ready until enough members are: {@link #awaitReady} waits for that.
     */
    public void start(Duration timeout) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "--enable-native-access=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(
                List.of("-cp", System.getProperty("java.class.path"), ServerMain.class.getName(), yaml.toString()));
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        builder.environment().putAll(environment);
        process = builder.start();
        CountDownLatch serving = new CountDownLatch(1);
        CountDownLatch readyLine = new CountDownLatch(1);
        this.readyLine = readyLine;
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader out = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = out.readLine()) != null) {
                            if (line.startsWith("serving node")) {
                                serving.countDown();
                            } else if (line.startsWith("ready node")) {
                                readyLine.countDown();
                            }
                            Files.writeString(
                                    stdout,
                                    line + "\n",
                                    StandardCharsets.UTF_8,
                                    StandardOpenOption.CREATE,
                                    StandardOpenOption.APPEND);
                        }
                    } catch (IOException e) {
                        // the process ended
                    }
                },
                "node-" + config.nodeId() + "-stdout");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!serving.await(200, TimeUnit.MILLISECONDS)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "node " + id() + " exited with " + process.exitValue() + "; stderr:\n" + stderr());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "node " + id() + " not serving within " + timeout + "; stderr:\n" + stderr());
            }
        }
    }

    /** Waits for the node's ready line: it sees a leader of the catalog and of every table. */
    public void awaitReady(Duration timeout) throws InterruptedException {
        if (!readyLine.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("node " + id() + " not ready within " + timeout + "; stderr:\n" + stderr());
        }
    }

    /** kill -9: no shutdown hook, no flush; only what was fsynced survives. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGSTOP: the process stays, frozen (no ticks, no answers) until {@link #resume()}. */
    public void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                .inheritIO()
                .start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /**
     * Sets a failpoint of the running node ({@code PUT /debug/failpoints/NAME} on its ops endpoint);
     * the node must have been started with failpoints enabled and a metrics address.
     *
     * @throws IOException when the node is unreachable or does not take the value (its answer says why)
     */
    public void setFailpoint(String name, String value) throws IOException, InterruptedException {
        if (config.metricsAddress() == null) {
            throw new IllegalStateException("node " + id() + " has no metrics-address, hence no failpoints");
        }
        URI uri = URI.create("http://" + config.metricsAddress() + Failpoints.PATH_PREFIX + name);
        try (HttpClient http =
                HttpClient.newBuilder().connectTimeout(FAILPOINT_TIMEOUT).build()) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(uri)
                            .timeout(FAILPOINT_TIMEOUT)
                            .PUT(HttpRequest.BodyPublishers.ofString(value))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("node " + id() + ": PUT " + uri + " answered " + r.statusCode() + ": "
                        + r.body().strip());
            }
        }
    }

    /** Running and past its ready line (it can serve), as far as this process can tell. */
    public boolean isReady() {
        return readyLine.getCount() == 0 && isAlive();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** What the node printed on standard output (its log, with the test logging configuration). */
    public String stdout() {
        try {
            return Files.exists(stdout) ? Files.readString(stdout) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    public String stderr() {
        try {
            return Files.readString(stderr);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            try {
                resume(); // a paused process cannot act on SIGTERM
            } catch (IOException e) {
                // it is killed below if it does not stop
            }
            process.destroy(); // SIGTERM: the graceful path
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** The node's configuration as the YAML file {@code armada leader-cluster|follower-cluster --config} reads. */
    public static String toYaml(ServerConfig c) {
        StringBuilder y = new StringBuilder();
        y.append("node-id: ").append(c.nodeId()).append('\n');
        y.append("data-dir: '").append(c.dataDir()).append("'\n");
        y.append("cluster-name: ").append(c.clusterName()).append('\n');
        y.append("members:\n");
        for (ServerConfig.MemberConfig m : c.members()) {
            y.append("  - id: ").append(m.id()).append('\n');
            y.append("    client-address: ").append(m.clientAddress()).append('\n');
            y.append("    raft-address: ").append(m.raftAddress()).append('\n');
        }
        y.append("raft-tls:\n");
        y.append("  cert-file: '").append(c.raftTls().certFile()).append("'\n");
        y.append("  key-file: '").append(c.raftTls().keyFile()).append("'\n");
        y.append("  ca-file: '").append(c.raftTls().caFile()).append("'\n");
        if (c.clientTls() != null) {
            y.append("client-tls:\n");
            y.append("  cert-file: '").append(c.clientTls().certFile()).append("'\n");
            y.append("  key-file: '").append(c.clientTls().keyFile()).append("'\n");
            if (c.clientTls().clientCaFile() != null) {
                y.append("  client-ca-file: '")
                        .append(c.clientTls().clientCaFile())
                        .append("'\n");
            }
        }
        if (c.leaderCluster() != null) {
            y.append("leader-cluster:\n  endpoints:\n");
            c.leaderCluster()
                    .endpoints()
                    .forEach(e -> y.append("    - ").append(e).append('\n'));
            if (c.leaderCluster().caFile() != null) {
                y.append("  ca-file: '").append(c.leaderCluster().caFile()).append("'\n");
            }
            if (c.leaderCluster().certFile() != null) {
                y.append("  cert-file: '").append(c.leaderCluster().certFile()).append("'\n");
                y.append("  key-file: '").append(c.leaderCluster().keyFile()).append("'\n");
            }
        }
        if (c.metricsAddress() != null) {
            y.append("metrics-address: ").append(c.metricsAddress()).append('\n');
        }
        ServerConfig.RaftSettings r = c.raft();
        y.append("raft:\n");
        y.append("  tick-millis: ").append(r.tickMillis()).append('\n');
        y.append("  election-ticks: ").append(r.electionTicks()).append('\n');
        y.append("  heartbeat-ticks: ").append(r.heartbeatTicks()).append('\n');
        y.append("  worker-threads: ").append(r.workerThreads()).append('\n');
        y.append("  snapshot-threshold-entries: ")
                .append(r.snapshotThresholdEntries())
                .append('\n');
        y.append("quotas:\n");
        y.append("  max-tables: ").append(c.quotas().maxTables()).append('\n');
        return y.toString();
    }
}
