package io.armada.raft.engine;

import io.armada.raft.transport.Transport;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Engine tests' network: delivers on one thread in send order, and can cut nodes off. (The
 * fault-injecting transports of io.armada.raft.transport serve the transport's own tests.)
 */
public final class LoopbackNetwork implements AutoCloseable {
    private final ConcurrentHashMap<Long, Transport.InboundHandler> handlers = new ConcurrentHashMap<>();
    private final Set<Long> isolated = ConcurrentHashMap.newKeySet();
    private final ExecutorService delivery = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "loopback-network");
        t.setDaemon(true);
        return t;
    });

    public Transport transportFor(long nodeId) {
        return new Transport() {
            private volatile boolean closed;

            @Override
            public void start(InboundHandler handler) {
                handlers.put(nodeId, handler);
            }

            @Override
            public boolean send(long toNodeId, long groupId, byte[] message) {
                if (closed || isolated.contains(nodeId) || isolated.contains(toNodeId)) {
                    return false;
                }
                delivery.execute(() -> {
                    Transport.InboundHandler h = handlers.get(toNodeId);
                    if (h != null && !isolated.contains(toNodeId)) {
                        h.onMessage(nodeId, groupId, message);
                    }
                });
                return true;
            }

            @Override
            public void close() {
                closed = true;
                handlers.remove(nodeId, handlers.get(nodeId));
            }
        };
    }

    void isolate(long nodeId) {
        isolated.add(nodeId);
    }

    void heal(long nodeId) {
        isolated.remove(nodeId);
    }

    @Override
    public void close() {
        delivery.shutdownNow();
    }
}
