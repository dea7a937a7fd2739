package io.armada.raft.sim;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Encoding of the simulated state machine (the list of applied proposals) as snapshot bytes. */
final class SimStateMachine {
    /** One applied proposal: log position and the unique payload id the client proposed. */
    record Applied(long index, long term, long payload) {}

    record Decoded(long appliedIndex, List<Applied> applied) {}

    private SimStateMachine() {}

    static byte[] encode(long appliedIndex, List<Applied> applied) {
        ByteBuffer b = ByteBuffer.allocate(12 + applied.size() * 24);
        b.putLong(appliedIndex).putInt(applied.size());
        for (Applied a : applied) {
            b.putLong(a.index()).putLong(a.term()).putLong(a.payload());
        }
        return b.array();
    }

    static Decoded decode(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data);
        long appliedIndex = b.getLong();
        int n = b.getInt();
        List<Applied> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Applied(b.getLong(), b.getLong(), b.getLong()));
        }
        if (b.hasRemaining()) {
            throw new IllegalStateException("trailing bytes in snapshot data");
        }
        return new Decoded(appliedIndex, out);
    }

    /** Payload of a proposal: its unique id, padded to a random length to vary entry sizes. */
    static byte[] payload(long id, int paddingBytes) {
        return ByteBuffer.allocate(8 + paddingBytes).putLong(id).array();
    }

    static long payloadId(byte[] data) {
        return ByteBuffer.wrap(data).getLong();
    }
}
