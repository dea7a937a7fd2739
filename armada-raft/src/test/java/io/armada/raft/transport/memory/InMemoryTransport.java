package io.armada.raft.transport.memory;

import io.armada.raft.transport.Transport;

/**
 * One node's {@link Transport} on an {@link InMemoryNetwork}: for engine and simulation tests that
 * need real message passing without sockets. It can be started once; a restarted node gets a
 * new transport from the network.
 */
public final class InMemoryTransport implements Transport {
    private final InMemoryNetwork network;
    private final long nodeId;
    private InboundHandler handler;
    private volatile boolean open;
    private boolean closed;

    InMemoryTransport(InMemoryNetwork network, long nodeId) {
        this.network = network;
        this.nodeId = nodeId;
    }

    public long nodeId() {
        return nodeId;
    }

    @Override
    public synchronized void start(InboundHandler inboundHandler) {
        if (handler != null || closed) {
            throw new IllegalStateException("transport of node " + nodeId + " was already started");
        }
        handler = inboundHandler;
        network.register(nodeId, inboundHandler);
        open = true;
    }

    @Override
    public boolean send(long toNodeId, long groupId, byte[] message) {
        return open && network.send(nodeId, toNodeId, groupId, message);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (open) {
            open = false;
            network.unregister(nodeId, handler);
        }
    }
}
