package io.armada.raft.transport.quic;

import io.armada.raft.transport.Transport;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records every inbound message in arrival order. */
final class RecordingHandler implements Transport.InboundHandler {
    record Received(long from, long groupId, byte[] message) {
        String text() {
            return new String(message, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    final List<Received> received = new CopyOnWriteArrayList<>();

    @Override
    public void onMessage(long fromNodeId, long groupId, byte[] message) {
        received.add(new Received(fromNodeId, groupId, message));
    }

    List<String> texts(long from, long groupId) {
        return received.stream()
                .filter(r -> r.from() == from && r.groupId() == groupId)
                .map(Received::text)
                .toList();
    }

    int count() {
        return received.size();
    }
}
