package io.armada.server;

import io.armada.server.config.ConfigLoader;
import io.armada.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one node until the process is told to stop: what {@code armada leader-cluster} and
 * {@code armada follower-cluster} do, kept here so tests can start real node processes from the
 * test class path.
 */
public final class ServerMain {
    private static final Logger log = LoggerFactory.getLogger(ServerMain.class);
    /** Exit status after a fatal storage error: the node stopped rather than risk corrupt data. */
    public static final int EXIT_FATAL_STORAGE = 70;

    private ServerMain() {}

    private static final long READY_POLL_MILLIS = 20;

    public static void main(String[] args) throws InterruptedException {
        run(ConfigLoader.load(Path.of(args[0])));
    }

    /**
     * Starts the node and blocks until shutdown (SIGTERM, Ctrl-C). Prints {@code serving node N ...} on
     * stdout once the node listens, and {@code ready node N ...} once it can serve (it sees a leader of the
     * catalog and of every table, as {@code /readyz} reports): a client that waits for the ready line can
     * create a table at once, without meeting an election in progress.
     */
    public static void run(ServerConfig config) throws InterruptedException {
        io.armada.server.ops.PeerErrorLogging.install();
        ArmadaServer server = ArmadaServer.start(config, ServerMain::haltOnFatal);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            log.info("node {} shutting down", config.nodeId());
                            server.close();
                            stopped.countDown();
                        },
                        "armada-shutdown"));
        System.out.println(
                "serving node " + config.nodeId() + " client " + config.self().clientAddress());
        System.out.flush();
        Thread readiness = new Thread(
                () -> {
                    try {
                        while (!server.node().ready()) {
                            // leaders are published by the engine's workers; there is no event to wait on
                            if (stopped.await(READY_POLL_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                                return;
                            }
                        }
                        System.out.println("ready node " + config.nodeId() + " client "
                                + config.self().clientAddress());
                        System.out.flush();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "armada-ready-line");
        readiness.setDaemon(true);
        readiness.start();
        stopped.await();
    }

    /** A failed fsync leaves the node's durable state unknown: stop now, never retry and continue. */
    public static void haltOnFatal(Throwable cause) {
        log.error("fatal storage error; stopping the node", cause);
        System.err.flush();
        Runtime.getRuntime().halt(EXIT_FATAL_STORAGE);
    }
}
