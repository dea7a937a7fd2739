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
 * A node can be cut off ({@link #isolate}) and brought back ({@link #heal}).
 */
public final class InMemoryNetwork implements AutoCloseable {
    private final Executor executor;
    /** The executor this network made for itself ({@link #singleThreaded}), shut down by {@link #close}. */
    private java.util.concurrent.ExecutorService owned;

    private final java.util.Set<Long> isolated = ConcurrentHashMap.newKeySet();
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

    /**
     * Delivers every message on one daemon thread of its own, in send order (what engine tests
     * want: concurrency like a real network's, order like a single link's); {@link #close} stops it.
     */
    public static InMemoryNetwork singleThreaded() {
        java.util.concurrent.ExecutorService thread = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "in-memory-network");
            t.setDaemon(true);
            return t;
        });
        InMemoryNetwork network = new InMemoryNetwork(thread, Integer.MAX_VALUE);
        network.owned = thread;
        return network;
    }

    /** Cuts {@code nodeId} off: nothing it sends or is sent is delivered until {@link #heal}. */
    public void isolate(long nodeId) {
        isolated.add(nodeId);
    }

    public void heal(long nodeId) {
        isolated.remove(nodeId);
    }

    /** Stops the delivery thread of a {@link #singleThreaded} network; what is queued is dropped. */
    @Override
    public void close() {
        if (owned != null) {
            owned.shutdownNow();
        }
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
        Mailbox previous = nodes.putIfAbsent(nodeId, new Mailbox(nodeId, handler));
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
        if (mailbox == null
                || isolated.contains(from)
                || isolated.contains(to)
                || !mailbox.offer(new Envelope(from, groupId, message.clone()))) {
            dropped.increment();
            return false;
        }
        return true;
    }

    private record Envelope(long from, long groupId, byte[] message) {}

    /** One receiving node: its handler and, for executor delivery, its queue. */
    private final class Mailbox implements Runnable {
        final long nodeId;
        final Transport.InboundHandler handler;
        volatile boolean closed;
        private final Queue<Envelope> queue = new ConcurrentLinkedQueue<>();
        private final AtomicInteger queued = new AtomicInteger();
        private final AtomicBoolean scheduled = new AtomicBoolean();

        Mailbox(long nodeId, Transport.InboundHandler handler) {
            this.nodeId = nodeId;
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
                if (!closed && !isolated.contains(next.from) && !isolated.contains(nodeId)) {
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
