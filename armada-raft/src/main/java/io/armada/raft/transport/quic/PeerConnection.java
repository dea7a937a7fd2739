package io.armada.raft.transport.quic;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One verified QUIC connection to a peer. Senders on any thread drop messages into an inbox; one
 * drain task per event-loop turn moves them to their groups and writes chunks round-robin across
 * groups, so a burst goes out as one write per group and chunk rather than one write per message.
 * Everything but {@link #enqueue} runs on the connection's event loop.
 */
final class PeerConnection {
    private static final Logger log = LoggerFactory.getLogger(PeerConnection.class);

    final PeerLink link;
    final QuicChannel channel;
    final long selfId;
    final int maxFrameBytes;
    final int writeChunkBytes;
    private final int maxDrainMessages;
    private final long maxPumpBytesPerTurn;
    private final QuicTransport transport;

    private final Queue<Outbound> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;

    // Event-loop state.
    private final Map<Long, GroupOutbound> groups = new HashMap<>();
    private final ArrayDeque<GroupOutbound> ring = new ArrayDeque<>();
    private final Runnable pumpTask = this::pump;
    private boolean pumpScheduled;
    /** Inside {@link #drain}, which pumps once at its end. */
    private boolean draining;

    private boolean closed;
    private boolean attached;
    private boolean helloReceived;
    private final String clusterName;
    private final long keepAliveIntervalMillis;
    private ScheduledFuture<?> keepAlive;
    private QuicStreamChannel controlStream;

    private record Outbound(long groupId, byte[] message) {}

    PeerConnection(QuicTransport transport, PeerLink link, QuicChannel channel, QuicTransportConfig config) {
        this.transport = transport;
        this.link = link;
        this.channel = channel;
        this.selfId = config.selfId();
        this.clusterName = config.clusterName();
        this.keepAliveIntervalMillis = config.limits().keepAliveIntervalMillis();
        this.maxFrameBytes = config.limits().maxFrameBytes();
        this.writeChunkBytes = config.limits().writeChunkBytes();
        this.maxDrainMessages = config.limits().maxQueuedMessagesPerPeer();
        this.maxPumpBytesPerTurn = 4L * writeChunkBytes;
    }

    /** Makes this the link's connection, once the hellos have checked out (see {@link Hello}). */
    private void attach() {
        if (attached || closed) {
            return;
        }
        attached = true;
        link.attach(this);
        log.debug("connected to node {} ({})", link.peerId, link.dialer ? "dialed" : "accepted");
    }

    boolean isAttached() {
        return attached;
    }

    /**
     * The peer's hello arrived (the first frame of its control stream). The acceptor checks it and
     * answers with its own; the dialer takes that answer as the acceptor's verdict. Either side
     * closes the connection if the hello names another cluster or other nodes.
     */
    void helloReceived(Hello hello) {
        if (helloReceived) {
            throw new StreamHeader.ProtocolViolation("a second hello from node " + link.peerId);
        }
        helloReceived = true;
        if (!hello.clusterName().equals(clusterName)) {
            transport.refuseHello(
                    this,
                    CloseCodes.CLUSTER_MISMATCH,
                    "node " + link.peerId + " says it belongs to cluster '" + hello.clusterName()
                            + "', this is cluster '" + clusterName + "'");
            return;
        }
        if (hello.senderNodeId() != link.peerId || hello.receiverNodeId() != selfId) {
            transport.refuseHello(
                    this,
                    CloseCodes.IDENTITY_REJECTED,
                    "hello from node " + hello.senderNodeId()
                            + " to node " + hello.receiverNodeId() + " on a connection between node " + link.peerId
                            + " and node " + selfId);
            return;
        }
        if (!link.dialer) {
            openControlStream();
        }
        attach();
    }

    /** Any thread: queues a message whose room the caller has reserved in the link's budget. */
    void enqueue(long groupId, byte[] message) {
        inbox.offer(new Outbound(groupId, message));
        if (drainScheduled.compareAndSet(false, true)) {
            channel.eventLoop().execute(drainTask);
        }
    }

    private void drain() {
        drainScheduled.set(false);
        if (closed) {
            discardInbox();
            return;
        }
        Outbound next;
        int drained = 0;
        draining = true;
        while (drained < maxDrainMessages && (next = inbox.poll()) != null) {
            drained++;
            GroupOutbound group = groups.get(next.groupId);
            if (group == null) {
                group = new GroupOutbound(this, next.groupId);
                groups.put(next.groupId, group);
            }
            group.add(next.message);
        }
        draining = false;
        pump();
        // A sender that kept the inbox full gets another turn after other event-loop work.
        if (!inbox.isEmpty() && drainScheduled.compareAndSet(false, true)) {
            channel.eventLoop().execute(drainTask);
        }
    }

    /** A group has data and a writable stream: it joins the round-robin ring. */
    void ready(GroupOutbound group) {
        if (!group.inRing) {
            group.inRing = true;
            ring.add(group);
            if (!pumpScheduled && !draining) {
                pumpScheduled = true;
                channel.eventLoop().execute(pumpTask);
            }
        }
    }

    /**
     * Writes one chunk per ready group in turn, starting after the group served last, until no
     * group has credit or this turn's byte allowance is spent. Slicing bounds what Netty holds per
     * stream to one chunk (not a direct-memory copy of a whole large message) and keeps a group
     * with a deep backlog from taking all freed credit: Netty offers freed credit to streams in
     * quiche's order, and a stream with a deep queue there could take it all.
     */
    private void pump() {
        pumpScheduled = false;
        long writtenThisTurn = 0;
        boolean progress = true;
        while (progress && !ring.isEmpty() && writtenThisTurn < maxPumpBytesPerTurn) {
            progress = false;
            for (int i = ring.size(); i > 0 && !ring.isEmpty(); i--) {
                GroupOutbound group = ring.poll();
                long written = group.writeChunk(writeChunkBytes);
                writtenThisTurn += written;
                progress |= written > 0;
                if (group.wantsMore()) {
                    ring.add(group);
                } else {
                    group.inRing = false;
                }
            }
        }
        // Groups whose stream blocked left the ring; their writability events bring them back. Any
        // group still in it has data and a writable stream, so the allowance ran out: let reads and
        // other connections run, then continue.
        if (!ring.isEmpty() && !pumpScheduled) {
            pumpScheduled = true;
            channel.eventLoop().execute(pumpTask);
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Messages left the queue for QUIC: their room returns to the budget. */
    void written(int messages, long payloadBytes) {
        link.budget.release(messages, payloadBytes);
        link.sentMessages.add(messages);
        link.sentBytes.add(payloadBytes);
    }

    /** Messages will never be sent (connection gone, stream refused). */
    void discarded(int messages, long payloadBytes) {
        if (messages > 0) {
            link.budget.release(messages, payloadBytes);
            link.droppedMessages.add(messages);
        }
    }

    /**
     * Opens this side's control stream and sends the hello on it: the dialer at once, the acceptor
     * in answer to the dialer's. The dialer's also carries keep-alive pings.
     */
    void openControlStream() {
        channel.createStream(QuicStreamType.UNIDIRECTIONAL, null).addListener(f -> {
            if (!f.isSuccess()) {
                log.warn(
                        "cannot open the control stream to node {}: {}",
                        link.peerId,
                        f.cause().toString());
                close(CloseCodes.PROTOCOL_VIOLATION, "no control stream");
                return;
            }
            QuicStreamChannel stream = (QuicStreamChannel) f.getNow();
            if (closed) {
                stream.close();
                return;
            }
            controlStream = stream;
            byte[] hello = new Hello(clusterName, selfId, link.peerId).encode();
            ByteBuf out =
                    stream.alloc().directBuffer(StreamHeader.BYTES + StreamHeader.FRAME_PREFIX_BYTES + hello.length);
            new StreamHeader(StreamHeader.Kind.CONTROL, selfId, 0).writeTo(out);
            out.writeInt(hello.length).writeBytes(hello);
            stream.writeAndFlush(out, stream.voidPromise());
            if (link.dialer) {
                keepAlive = channel.eventLoop()
                        .scheduleAtFixedRate(
                                this::ping, keepAliveIntervalMillis, keepAliveIntervalMillis, TimeUnit.MILLISECONDS);
            }
        });
    }

    private void ping() {
        QuicStreamChannel stream = controlStream;
        if (closed || stream == null || !stream.isActive()) {
            return;
        }
        // An empty frame: ack-eliciting, so both ends see traffic and neither idles out.
        ByteBuf ping =
                stream.alloc().directBuffer(StreamHeader.FRAME_PREFIX_BYTES).writeInt(0);
        stream.writeAndFlush(ping, stream.voidPromise());
        transport.keepAlivePings.increment();
    }

    /** Any thread: closes the connection with an application error code. */
    void close(int code, String reason) {
        channel.close(true, code, ByteBufUtil.writeUtf8(channel.alloc(), reason));
    }

    /** Event loop: the connection is gone; drop whatever was not handed to QUIC. */
    void onClosed() {
        closed = true;
        if (keepAlive != null) {
            keepAlive.cancel(false);
        }
        discardInbox();
        for (GroupOutbound group : groups.values()) {
            group.discardPending();
        }
        groups.clear();
        ring.clear();
    }

    private void discardInbox() {
        Outbound next;
        int messages = 0;
        long bytes = 0;
        while ((next = inbox.poll()) != null) {
            messages++;
            bytes += next.message.length;
        }
        discarded(messages, bytes);
    }

    QuicTransport transport() {
        return transport;
    }
}
