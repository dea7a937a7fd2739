package io.armada.raft.transport.memory;

import io.armada.raft.transport.Transport;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A hub that the {@link InMemoryTransport}s of one test cluster register with. It delivers either
 * synchronously (inside {@code send}, on the sender's thread) or through a mailbox per receiving
 * node drained on an executor; either way a receiver gets one sender's messages in send order.
 * Messages are copied on send, as a real network would, so sender and receiver never share arrays.
 */
public final class InMemoryNetwork {
    private final Executor executor;
    private final int maxQueuedPerNode;
    private final ConcurrentHashMap<Long, Mailbox> nodes = new ConcurrentHashMap<>();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder dropped = new LongAdder();

    private InMemoryNetwork(Executor executor, int maxQueuedPerNode) {
        this.executor = executor;
        this.maxQueuedPerNode = maxQueuedPerNode;
    }

    /** Delivers inside {@code send}: the receiver's handler runs on the sender's thread. */
    public static InMemoryNetwork synchronous() {
        return new InMemoryNetwork(null, 0);
    }

    /**
     * Delivers on {@code executor}, one task at a time per receiving node (so per-sender order holds
     * even on a thread pool); a node with {@code maxQueuedPerNode} undelivered messages refuses more.
     */
    public static InMemoryNetwork deliveringOn(Executor executor, int maxQueuedPerNode) {
        if (maxQueuedPerNode < 1) {
            throw new IllegalArgumentException("maxQueuedPerNode: " + maxQueuedPerNode + " is outside >= 1");
        }
        return new InMemoryNetwork(Objects.requireNonNull(executor, "executor"), maxQueuedPerNode);
    }

    /** A transport for {@code nodeId}; it joins the network when started and leaves when closed. */
    public InMemoryTransport transport(long nodeId) {
        return new InMemoryTransport(this, nodeId);
    }

    /** Messages handed to a receiver's handler so far. */
    public long deliveredMessages() {
        return delivered.sum();
    }

    /** Messages refused: unknown or stopped receiver, or a full mailbox. */
    public long droppedMessages() {
        return dropped.sum();
    }

    void register(long nodeId, Transport.InboundHandler handler) {
        Mailbox previous = nodes.putIfAbsent(nodeId, new Mailbox(handler));
        if (previous != null) {
            throw new IllegalStateException("node " + nodeId + " is already on the network");
        }
    }

    void unregister(long nodeId, Transport.InboundHandler handler) {
        Mailbox mailbox = nodes.get(nodeId);
        if (mailbox != null && mailbox.handler == handler) {
            nodes.remove(nodeId, mailbox);
            mailbox.closed = true;
        }
    }

    boolean send(long from, long to, long groupId, byte[] message) {
        Mailbox mailbox = nodes.get(to);
        if (mailbox == null || !mailbox.offer(new Envelope(from, groupId, message.clone()))) {
            dropped.increment();
            return false;
        }
        return true;
    }

    private record Envelope(long from, long groupId, byte[] message) {
    }

    /** One receiving node: its handler and, for executor delivery, its queue. */
    private final class Mailbox implements Runnable {
        final Transport.InboundHandler handler;
        volatile boolean closed;
        private final Queue<Envelope> queue = new ConcurrentLinkedQueue<>();
        private final AtomicInteger queued = new AtomicInteger();
        private final AtomicBoolean scheduled = new AtomicBoolean();

        Mailbox(Transport.InboundHandler handler) {
            this.handler = handler;
        }

        boolean offer(Envelope envelope) {
            if (closed) {
                return false;
            }
            if (executor == null) {
                deliver(envelope);
                return true;
            }
            if (queued.incrementAndGet() > maxQueuedPerNode) {
                queued.decrementAndGet();
                return false;
            }
            queue.add(envelope);
            schedule();
            return true;
        }

        private void schedule() {
            if (scheduled.compareAndSet(false, true)) {
                try {
                    executor.execute(this);
                } catch (RejectedExecutionException e) {
                    // The test tore the executor down; what is queued stays undelivered, like a dead network.
                    scheduled.set(false);
                }
            }
        }

        @Override
        public void run() {
            Envelope next;
            while ((next = queue.poll()) != null) {
                queued.decrementAndGet();
                if (!closed) {
                    deliver(next);
                }
            }
            scheduled.set(false);
            if (!queue.isEmpty()) {
                schedule();
            }
        }

        private void deliver(Envelope envelope) {
            delivered.increment();
            handler.onMessage(envelope.from, envelope.groupId, envelope.message);
        }
    }
}
