package io.armada.server;

import io.armada.server.config.ConfigLoader;
import io.armada.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one node until the process is told to stop: what {@code armada leader} does, kept here so
 * tests can start real node processes from the test class path.
 */
public final class ServerMain {
    private static final Logger log = LoggerFactory.getLogger(ServerMain.class);
    /** Exit status after a fatal storage error: the node stopped rather than risk corrupt data. */
    public static final int EXIT_FATAL_STORAGE = 70;

    private ServerMain() {}

    public static void main(String[] args) throws InterruptedException {
        run(ConfigLoader.load(Path.of(args[0])));
    }

    /** Starts the node, prints a ready line on stdout, and blocks until shutdown (SIGTERM, Ctrl-C). */
    public static void run(ServerConfig config) throws InterruptedException {
        ArmadaServer server = ArmadaServer.start(config, ServerMain::haltOnFatal);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("node {} shutting down", config.nodeId());
            server.close();
            stopped.countDown();
        }, "armada-shutdown"));
        System.out.println("ready node " + config.nodeId() + " client " + config.self().clientAddress());
        System.out.flush();
        stopped.await();
    }

    /** A failed fsync leaves the node's durable state unknown: stop now, never retry and continue. */
    public static void haltOnFatal(Throwable cause) {
        log.error("fatal storage error; stopping the node", cause);
        System.err.flush();
        Runtime.getRuntime().halt(EXIT_FATAL_STORAGE);
    }
}
