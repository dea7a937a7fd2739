package io.armada.server.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * gRPC and Netty log through java.util.logging: routed here into SLF4J, so their lines have the
 * node's format and levels and go where the node's go, instead of JUL's two-line records on stderr.
 * And what a peer can make them log is limited: gRPC logs a WARNING with a stack trace for every
 * stream a client opens past the node's MAX_CONCURRENT_STREAMS (and for other protocol errors of a
 * peer), so one hostile connection could flood the log (UnfinishedRequestBodiesTest sends such a
 * stream). Those loggers pass {@link #BURST} records per {@link #WINDOW_SECONDS} and then count the
 * rest, saying how many were dropped on the next record that passes.
 */
public final class PeerErrorLogging {
    /** Records of one logger that pass per window. */
    static final int BURST = 10;

    static final long WINDOW_SECONDS = 60;
    /** The loggers that report a peer's protocol errors (gRPC's server and client handlers, Netty's HTTP/2). */
    static final List<String> PEER_ERROR_LOGGERS = List.of(
            "io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler",
            "io.grpc.netty.shaded.io.grpc.netty.NettyClientHandler",
            "io.grpc.netty.shaded.io.netty.handler.codec.http2");

    /** JUL holds loggers weakly: a filter set on one that is collected would be lost with it. */
    private static final List<Logger> limited = new ArrayList<>();

    private PeerErrorLogging() {}

    /** Routes JUL into SLF4J and limits the peer-error loggers; once per JVM, later calls do nothing. */
    public static synchronized void install() {
        if (!limited.isEmpty()) {
            return;
        }
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        for (String name : PEER_ERROR_LOGGERS) {
            Logger logger = Logger.getLogger(name);
            logger.setFilter(new RateLimit(BURST, TimeUnit.SECONDS.toNanos(WINDOW_SECONDS), System::nanoTime));
            limited.add(logger);
        }
    }

    /** Passes {@code burst} records per window of {@code windowNanos}; the next to pass says how many were dropped. */
    static final class RateLimit implements Filter {
        private final int burst;
        private final long windowNanos;
        private final LongSupplier clock;
        private long windowStart;
        private int passed;
        private long dropped;

        RateLimit(int burst, long windowNanos, LongSupplier clock) {
            this.burst = burst;
            this.windowNanos = windowNanos;
            this.clock = clock;
            this.windowStart = clock.getAsLong();
        }

        @Override
        public synchronized boolean isLoggable(LogRecord record) {
            long now = clock.getAsLong();
            if (now - windowStart >= windowNanos) {
                windowStart = now;
                passed = 0;
            }
            if (passed >= burst) {
                dropped++;
                return false;
            }
            passed++;
            if (dropped > 0) {
                record.setMessage(record.getMessage() + " (" + dropped + " similar records dropped: at most " + burst
                        + " per " + TimeUnit.NANOSECONDS.toSeconds(windowNanos) + " s from this logger)");
                dropped = 0;
            }
            return true;
        }
    }
}
