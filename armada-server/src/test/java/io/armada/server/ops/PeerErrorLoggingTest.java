package io.armada.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class PeerErrorLoggingTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final PeerErrorLogging.RateLimit limit =
            new PeerErrorLogging.RateLimit(3, TimeUnit.SECONDS.toNanos(60), now::get);

    private static LogRecord streamError() {
        return new LogRecord(Level.WARNING, "Stream Error");
    }

    @Test
    void aBurstPassesAndTheRestOfTheWindowIsCountedNotLogged() {
        for (int i = 0; i < 3; i++) {
            assertThat(limit.isLoggable(streamError())).isTrue();
        }
        for (int i = 0; i < 100; i++) {
            assertThat(limit.isLoggable(streamError())).isFalse();
        }
    }

    @Test
    void theFirstRecordOfTheNextWindowSaysHowManyWereDropped() {
        for (int i = 0; i < 5; i++) {
            limit.isLoggable(streamError());
        }
        now.addAndGet(TimeUnit.SECONDS.toNanos(59));
        assertThat(limit.isLoggable(streamError())).as("still the first window").isFalse();
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        LogRecord next = streamError();
        assertThat(limit.isLoggable(next)).isTrue();
        assertThat(next.getMessage())
                .isEqualTo("Stream Error (3 similar records dropped: at most 3 per 60 s from this logger)");
        LogRecord after = streamError();
        assertThat(limit.isLoggable(after)).isTrue();
        assertThat(after.getMessage()).as("the count is told once").isEqualTo("Stream Error");
    }

    @Test
    void installingRoutesTheLimitedLoggersThroughTheFilter() {
        PeerErrorLogging.install();
        PeerErrorLogging.install(); // idempotent
        for (String name : PeerErrorLogging.PEER_ERROR_LOGGERS) {
            assertThat(java.util.logging.Logger.getLogger(name).getFilter())
                    .isInstanceOf(PeerErrorLogging.RateLimit.class);
        }
        assertThat(org.slf4j.bridge.SLF4JBridgeHandler.isInstalled()).isTrue();
    }
}
