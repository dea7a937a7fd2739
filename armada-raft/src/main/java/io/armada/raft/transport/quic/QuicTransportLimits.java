package io.armada.raft.transport.quic;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Sizes, queue bounds and timing of a {@link QuicTransport}. Every queue is bounded; a message that
 * does not fit is dropped and {@code send} returns false, because Raft retries and a transport that
 * buffered without bound would turn a slow peer into an out-of-memory node.
 *
 * @param maxFrameBytes largest message; sending a larger one is a caller bug and throws, receiving
 *     one is a protocol violation that closes the connection
 * @param maxQueuedBytesPerPeer bytes accepted by {@code send} but not yet handed to QUIC, per peer
 * @param maxQueuedMessagesPerPeer messages accepted by {@code send} but not yet handed to QUIC, per peer
 * @param writeChunkBytes largest single write to a group's stream: small frames are coalesced up to
 *     it, large messages sliced into it, and ready groups take turns one chunk at a time
 * @param maxStreamsPerConnection unidirectional streams a peer may open to us: one per Raft group
 *     it talks to, plus one control stream, so it bounds the groups per node pair
 * @param streamReceiveWindowBytes QUIC flow-control window of one stream (one group)
 * @param connectionReceiveWindowBytes QUIC flow-control window of a whole connection (all groups)
 * @param idleTimeoutMillis a connection with no packets for this long is dead
 * @param connectTimeoutMillis a connection not accepted by both sides' hellos by then is closed (a
 *     dial attempt is retried), so a peer that comes back is reached by a fresh handshake rather
 *     than a backed-off retransmission
 * @param keepAliveIntervalMillis the dialing side pings this often so a quiet link stays up
 * @param reconnectInitialBackoffMillis first wait before redialing a peer; doubles per failure
 * @param reconnectMaxBackoffMillis cap of the redial wait (a random jitter of up to half is subtracted)
 * @param ioThreads Netty event-loop threads: 2 puts accepted and dialed connections on separate
 *     threads, 1 shares one (each UDP socket, and every connection on it, runs on one thread)
 */
public record QuicTransportLimits(
        int maxFrameBytes,
        long maxQueuedBytesPerPeer,
        int maxQueuedMessagesPerPeer,
        int writeChunkBytes,
        long maxStreamsPerConnection,
        long streamReceiveWindowBytes,
        long connectionReceiveWindowBytes,
        long idleTimeoutMillis,
        long connectTimeoutMillis,
        long keepAliveIntervalMillis,
        long reconnectInitialBackoffMillis,
        long reconnectMaxBackoffMillis,
        int ioThreads) {

    /** Hard ceiling of {@link #maxFrameBytes}: the length prefix is a signed 32-bit int. */
    public static final int FRAME_BYTES_CEILING = 256 << 20;

    public QuicTransportLimits {
        checkArgument(
                maxFrameBytes >= 1 && maxFrameBytes <= FRAME_BYTES_CEILING,
                "maxFrameBytes: %s is outside %s",
                maxFrameBytes,
                "1.." + FRAME_BYTES_CEILING);
        checkArgument(
                maxQueuedBytesPerPeer >= maxFrameBytes,
                "maxQueuedBytesPerPeer: %s is outside %s",
                maxQueuedBytesPerPeer,
                ">= maxFrameBytes (" + maxFrameBytes + "), else the largest message could never be queued");
        checkArgument(
                maxQueuedMessagesPerPeer >= 1 && maxQueuedMessagesPerPeer <= OutboundBudget.MESSAGES_CEILING,
                "maxQueuedMessagesPerPeer: %s is outside %s",
                maxQueuedMessagesPerPeer,
                "1.." + OutboundBudget.MESSAGES_CEILING);
        checkArgument(
                writeChunkBytes >= 1024 && writeChunkBytes <= 4 << 20,
                "writeChunkBytes: %s is outside 1024..4194304",
                writeChunkBytes);
        checkArgument(
                maxStreamsPerConnection >= 2 && maxStreamsPerConnection <= 1L << 40,
                "maxStreamsPerConnection: %s is outside 2..2^40",
                maxStreamsPerConnection);
        checkArgument(
                streamReceiveWindowBytes >= 16 * 1024,
                "streamReceiveWindowBytes: %s is outside >= 16384",
                streamReceiveWindowBytes);
        checkArgument(
                connectionReceiveWindowBytes >= streamReceiveWindowBytes,
                "connectionReceiveWindowBytes: %s is outside %s",
                connectionReceiveWindowBytes,
                ">= streamReceiveWindowBytes (" + streamReceiveWindowBytes + ")");
        checkArgument(idleTimeoutMillis >= 100, "idleTimeoutMillis: %s is outside >= 100", idleTimeoutMillis);
        checkArgument(
                connectTimeoutMillis >= 100 && connectTimeoutMillis <= idleTimeoutMillis,
                "connectTimeoutMillis: %s is outside %s",
                connectTimeoutMillis,
                "100..idleTimeoutMillis (" + idleTimeoutMillis + ")");
        checkArgument(
                keepAliveIntervalMillis >= 10 && keepAliveIntervalMillis < idleTimeoutMillis,
                "keepAliveIntervalMillis: %s is outside %s",
                keepAliveIntervalMillis,
                "10..idleTimeoutMillis-1 (" + (idleTimeoutMillis - 1) + ")");
        checkArgument(
                reconnectInitialBackoffMillis >= 1,
                "reconnectInitialBackoffMillis: %s is outside >= 1",
                reconnectInitialBackoffMillis);
        checkArgument(
                reconnectMaxBackoffMillis >= reconnectInitialBackoffMillis,
                "reconnectMaxBackoffMillis: %s is outside %s",
                reconnectMaxBackoffMillis,
                ">= reconnectInitialBackoffMillis (" + reconnectInitialBackoffMillis + ")");
        checkArgument(ioThreads >= 1 && ioThreads <= 2, "ioThreads: %s is outside 1..2", ioThreads);
    }

    /**
     * 16 MiB frames, 64 MiB / 65,536 messages queued per peer, 64 KiB write chunks, 100,000 group
     * streams per connection,
     * 4 MiB stream and 64 MiB connection windows, 10 s idle timeout with 1 s keep-alive, 3 s per
     * dial attempt, redial after 50 ms doubling to 2 s, two I/O threads.
     */
    public static QuicTransportLimits defaults() {
        return new QuicTransportLimits(
                16 << 20, 64L << 20, 65_536, 64 * 1024, 100_000, 4L << 20, 64L << 20, 10_000, 3_000, 1_000, 50, 2_000,
                2);
    }

    public QuicTransportLimits withMaxFrameBytes(int bytes) {
        return new QuicTransportLimits(
                bytes,
                Math.max(maxQueuedBytesPerPeer, bytes),
                maxQueuedMessagesPerPeer,
                writeChunkBytes,
                maxStreamsPerConnection,
                streamReceiveWindowBytes,
                connectionReceiveWindowBytes,
                idleTimeoutMillis,
                connectTimeoutMillis,
                keepAliveIntervalMillis,
                reconnectInitialBackoffMillis,
                reconnectMaxBackoffMillis,
                ioThreads);
    }

    public QuicTransportLimits withQueueBounds(long bytesPerPeer, int messagesPerPeer) {
        return new QuicTransportLimits(
                maxFrameBytes,
                bytesPerPeer,
                messagesPerPeer,
                writeChunkBytes,
                maxStreamsPerConnection,
                streamReceiveWindowBytes,
                connectionReceiveWindowBytes,
                idleTimeoutMillis,
                connectTimeoutMillis,
                keepAliveIntervalMillis,
                reconnectInitialBackoffMillis,
                reconnectMaxBackoffMillis,
                ioThreads);
    }

    public QuicTransportLimits withWriteChunkBytes(int bytes) {
        return new QuicTransportLimits(
                maxFrameBytes,
                maxQueuedBytesPerPeer,
                maxQueuedMessagesPerPeer,
                bytes,
                maxStreamsPerConnection,
                streamReceiveWindowBytes,
                connectionReceiveWindowBytes,
                idleTimeoutMillis,
                connectTimeoutMillis,
                keepAliveIntervalMillis,
                reconnectInitialBackoffMillis,
                reconnectMaxBackoffMillis,
                ioThreads);
    }

    public QuicTransportLimits withReceiveWindows(long streamBytes, long connectionBytes) {
        return new QuicTransportLimits(
                maxFrameBytes,
                maxQueuedBytesPerPeer,
                maxQueuedMessagesPerPeer,
                writeChunkBytes,
                maxStreamsPerConnection,
                streamBytes,
                connectionBytes,
                idleTimeoutMillis,
                connectTimeoutMillis,
                keepAliveIntervalMillis,
                reconnectInitialBackoffMillis,
                reconnectMaxBackoffMillis,
                ioThreads);
    }

    /** Idle timeout and keep-alive; the connect timeout is capped at the new idle timeout. */
    public QuicTransportLimits withTimeouts(long idleMillis, long keepAliveMillis) {
        return new QuicTransportLimits(
                maxFrameBytes,
                maxQueuedBytesPerPeer,
                maxQueuedMessagesPerPeer,
                writeChunkBytes,
                maxStreamsPerConnection,
                streamReceiveWindowBytes,
                connectionReceiveWindowBytes,
                idleMillis,
                Math.min(connectTimeoutMillis, idleMillis),
                keepAliveMillis,
                reconnectInitialBackoffMillis,
                reconnectMaxBackoffMillis,
                ioThreads);
    }

    public QuicTransportLimits withConnectTimeoutMillis(long millis) {
        return new QuicTransportLimits(
                maxFrameBytes,
                maxQueuedBytesPerPeer,
                maxQueuedMessagesPerPeer,
                writeChunkBytes,
                maxStreamsPerConnection,
                streamReceiveWindowBytes,
                connectionReceiveWindowBytes,
                idleTimeoutMillis,
                millis,
                keepAliveIntervalMillis,
                reconnectInitialBackoffMillis,
                reconnectMaxBackoffMillis,
                ioThreads);
    }

    public QuicTransportLimits withReconnectBackoff(long initialMillis, long maxMillis) {
        return new QuicTransportLimits(
                maxFrameBytes,
                maxQueuedBytesPerPeer,
                maxQueuedMessagesPerPeer,
                writeChunkBytes,
                maxStreamsPerConnection,
                streamReceiveWindowBytes,
                connectionReceiveWindowBytes,
                idleTimeoutMillis,
                connectTimeoutMillis,
                keepAliveIntervalMillis,
                initialMillis,
                maxMillis,
                ioThreads);
    }
}
