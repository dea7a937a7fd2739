package io.armada.raft.transport.quic;

import io.armada.raft.transport.Backoff;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything this node keeps about one peer across connections: the outbound budget, the current
 * verified connection (if any), counters, and - when this node is the dialing side - the redial
 * loop with backoff. Exactly one side of a pair dials (the lower node id), so there is one
 * connection per pair without a race to dedupe.
 */
final class PeerLink {
    private static final Logger log = LoggerFactory.getLogger(PeerLink.class);

    final long peerId;
    final InetSocketAddress address;
    /** True if this node dials the peer (selfId < peerId); false if it waits to be dialed. */
    final boolean dialer;

    final OutboundBudget budget;

    final LongAdder sentMessages = new LongAdder();
    final LongAdder sentBytes = new LongAdder();
    final LongAdder droppedMessages = new LongAdder();
    final LongAdder receivedMessages = new LongAdder();
    final LongAdder receivedBytes = new LongAdder();
    final LongAdder connections = new LongAdder();
    final LongAdder failedDials = new LongAdder();
    final LongAdder dialAttempts = new LongAdder();

    /** Written only on the one event loop that owns this link's connections; read by senders. */
    private volatile PeerConnection current;

    // Dialing state, touched only on the dialing event loop.
    private final Backoff backoff;
    private ScheduledFuture<?> redial;

    PeerLink(long selfId, long peerId, InetSocketAddress address, QuicTransportLimits limits, RandomGenerator random) {
        if (selfId == peerId) {
            throw new IllegalArgumentException("a node has no link to itself: " + selfId);
        }
        this.peerId = peerId;
        this.address = address;
        this.dialer = selfId < peerId;
        this.budget = new OutboundBudget(limits.maxQueuedBytesPerPeer(), limits.maxQueuedMessagesPerPeer());
        this.backoff = new Backoff(limits.reconnectInitialBackoffMillis(), limits.reconnectMaxBackoffMillis(), random);
    }

    /** Queues a message on the current connection; false (dropped) if there is none or the budget is spent. */
    boolean send(long groupId, byte[] message) {
        PeerConnection connection = current;
        if (connection == null || !budget.tryReserve(message.length)) {
            droppedMessages.increment();
            return false;
        }
        try {
            connection.enqueue(groupId, message);
        } catch (RejectedExecutionException e) {
            // The event loop is shutting down: the transport is closing and the budget no longer matters.
            droppedMessages.increment();
            return false;
        }
        return true;
    }

    boolean connected() {
        return current != null;
    }

    /**
     * A verified connection to the peer is up (both hellos checked out); a previous one (the peer
     * redialed) is replaced. Only this resets the dialer's backoff: a connection whose TLS handshake
     * completed but that the acceptor then refused is a failure, or a refused peer would redial at
     * the initial delay forever.
     */
    void attach(PeerConnection connection) {
        PeerConnection previous = current;
        current = connection;
        connections.increment();
        if (dialer) {
            backoff.reset();
        }
        if (previous != null) {
            log.info("connection from node {} replaces the previous one", peerId);
            previous.close(CloseCodes.REPLACED, "replaced by a newer connection");
        }
    }

    void detach(PeerConnection connection) {
        if (current == connection) {
            current = null;
        }
    }

    PeerConnection current() {
        return current;
    }

    /** Starts the dial loop (dialing side only); runs on {@code loop}, which owns this link's connections. */
    void startDialing(QuicTransport transport, EventLoop loop) {
        if (!dialer) {
            throw new IllegalStateException("node " + peerId + " dials us; we must not dial it");
        }
        loop.execute(() -> dial(transport, loop));
    }

    private void dial(QuicTransport transport, EventLoop loop) {
        redial = null;
        if (transport.isClosed()) {
            return;
        }
        dialAttempts.increment();
        Future<QuicChannel> attempt = transport.dial(this);
        attempt.addListener(f -> {
            if (f.isSuccess()) {
                // Redial when this connection ends, however it ends (rejected identity, idle, peer closed).
                QuicChannel channel = attempt.getNow();
                channel.closeFuture().addListener(c -> {
                    PeerConnection connection =
                            channel.attr(QuicTransport.CONNECTION).get();
                    if (connection == null || !connection.isAttached()) {
                        failedDials.increment(); // TLS completed, but one side refused the peer
                    }
                    scheduleRedial(transport, loop);
                });
            } else {
                failedDials.increment();
                log.debug(
                        "dialing node {} at {} failed: {}",
                        peerId,
                        address,
                        f.cause().toString());
                scheduleRedial(transport, loop);
            }
        });
    }

    private void scheduleRedial(QuicTransport transport, EventLoop loop) {
        if (transport.isClosed() || redial != null) {
            return;
        }
        long delayMillis = backoff.nextDelayMillis();
        try {
            redial = loop.schedule(() -> dial(transport, loop), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // Closing.
        }
    }

    PeerStats stats() {
        return new PeerStats(
                peerId,
                current != null,
                sentMessages.sum(),
                sentBytes.sum(),
                droppedMessages.sum(),
                receivedMessages.sum(),
                receivedBytes.sum(),
                connections.sum(),
                failedDials.sum(),
                dialAttempts.sum(),
                budget.queuedMessages(),
                budget.queuedBytes());
    }
}
