package io.armada.storage;

import io.armada.api.v1.TableSnapshotChunk;
import io.armada.proto.Limits;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.CRC32C;

/**
 * Reads a table snapshot stream (the chunks of {@link Table#snapshot()}; format in {@link TableSnapshot}):
 * its header, then its records one by one, each checked, and at the end the stream's completeness and
 * CRC32C. The header is either the plain {@code [index:8][revision:8]} (a table that is not a follower
 * cluster's, and every stream written before follower-cluster markers existed) or the follower-cluster header
 * {@code [FOLLOWER_CLUSTER_HEADER:8][index:8][revision:8][flags:8][leaderClusterIndex:8]}; the first long tells them
 * apart, as an index is never negative. A corrupt or truncated stream is an
 * {@link TableStore.InvalidSnapshotException}.
 */
public final class SnapshotReader implements Iterator<SnapshotReader.Item> {
    /** One key and its encoded record (value, create and mod revision, version). */
    public record Item(byte[] key, byte[] record) {}

    private final ChunkStream stream;
    private final DataInputStream in;
    private final long index;
    private final long revision;
    private final long leaderClusterIndex;
    private final boolean resetting;
    private final boolean retired;
    private Item next;
    private boolean ended;

    public SnapshotReader(Iterator<TableSnapshotChunk> chunks) {
        this.stream = new ChunkStream(chunks);
        this.in = new DataInputStream(stream);
        try {
            long first = in.readLong();
            if (first == TableSnapshot.FOLLOWER_CLUSTER_HEADER) {
                this.index = in.readLong();
                this.revision = in.readLong();
                long flags = in.readLong();
                this.leaderClusterIndex = in.readLong();
                if ((flags & ~(TableSnapshot.FLAG_RESETTING | TableSnapshot.FLAG_RETIRED)) != 0
                        || leaderClusterIndex < 0) {
                    throw new TableStore.InvalidSnapshotException("snapshot header with unknown flags " + flags
                            + " or leader-cluster index " + leaderClusterIndex);
                }
                this.resetting = (flags & TableSnapshot.FLAG_RESETTING) != 0;
                this.retired = (flags & TableSnapshot.FLAG_RETIRED) != 0;
            } else if (first < 0) {
                throw new TableStore.InvalidSnapshotException("snapshot header starts with " + first);
            } else { // plain header: no follower-cluster markers, as on a table that never replicated
                this.index = first;
                this.revision = in.readLong();
                this.leaderClusterIndex = 0;
                this.resetting = false;
                this.retired = false;
            }
        } catch (IOException e) {
            throw new TableStore.InvalidSnapshotException("snapshot stream without its header");
        }
        if (index < 0 || revision < 0) {
            throw new TableStore.InvalidSnapshotException(
                    "snapshot header with index " + index + " and revision " + revision);
        }
    }

    /** The local Raft index of the table the snapshot was taken at. */
    public long index() {
        return index;
    }

    /** The table's revision the snapshot represents. */
    public long revision() {
        return revision;
    }

    /**
     * Follower clusters: the last leader-cluster index the table had applied, exactly (it may be above the
     * revision: leader no-ops); 0 when the stream has no follower-cluster header.
     */
    public long leaderClusterIndex() {
        return leaderClusterIndex;
    }

    /**
     * Follower clusters: the table was in the middle of loading a leader-cluster snapshot, so its content is
     * partial and must not be served; false when the stream has no follower-cluster header.
     */
    public boolean resetting() {
        return resetting;
    }

    /** The table was retired (it is being deleted): the installed table must refuse writes as its source did. */
    public boolean retired() {
        return retired;
    }

    @Override
    public boolean hasNext() {
        if (next == null && !ended) {
            next = read();
            ended = next == null;
        }
        return next != null;
    }

    @Override
    public Item next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Item item = next;
        next = null;
        return item;
    }

    private Item read() {
        try {
            int keyLength;
            try {
                keyLength = in.readInt();
            } catch (EOFException end) {
                stream.verifyComplete();
                return null;
            }
            if (keyLength <= 0 || keyLength > Limits.MAX_KEY_BYTES) {
                throw new TableStore.InvalidSnapshotException("snapshot record with a key of " + keyLength + " bytes");
            }
            byte[] key = new byte[keyLength];
            in.readFully(key);
            int recordLength = in.readInt();
            if (recordLength < VersionedValue.HEADER_BYTES
                    || recordLength > VersionedValue.HEADER_BYTES + Limits.MAX_VALUE_BYTES) {
                throw new TableStore.InvalidSnapshotException("snapshot record of " + recordLength + " bytes");
            }
            byte[] record = new byte[recordLength];
            in.readFully(record);
            VersionedValue.decode(record); // validates
            return new Item(key, record);
        } catch (EOFException truncated) {
            throw new TableStore.InvalidSnapshotException("snapshot stream ends inside a record");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The chunks' data as one stream, checking order, the last flag and the CRC32C. */
    private static final class ChunkStream extends InputStream {
        private final Iterator<TableSnapshotChunk> chunks;
        private final CRC32C crc = new CRC32C();
        private byte[] current = new byte[0];
        private int position;
        private boolean sawLast;
        private long revision = -1;

        ChunkStream(Iterator<TableSnapshotChunk> chunks) {
            this.chunks = chunks;
        }

        private boolean fill() {
            while (position >= current.length) {
                if (sawLast || !chunks.hasNext()) {
                    return false;
                }
                TableSnapshotChunk c = chunks.next();
                if (revision >= 0 && c.getRevision() != revision) {
                    throw new TableStore.InvalidSnapshotException(
                            "snapshot chunks of revisions " + revision + " and " + c.getRevision());
                }
                revision = c.getRevision();
                current = c.getData().toByteArray();
                position = 0;
                crc.update(current);
                if (c.getLast()) {
                    sawLast = true;
                    if ((int) crc.getValue() != c.getChecksum()) {
                        throw new TableStore.InvalidSnapshotException("snapshot checksum mismatch: computed "
                                + Integer.toUnsignedString((int) crc.getValue()) + ", stream says "
                                + Integer.toUnsignedString(c.getChecksum()));
                    }
                }
            }
            return true;
        }

        @Override
        public int read() {
            return fill() ? current[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, current.length - position);
            System.arraycopy(current, position, b, off, n);
            position += n;
            return n;
        }

        void verifyComplete() {
            if (!sawLast) {
                throw new TableStore.InvalidSnapshotException("snapshot stream ended without its last chunk");
            }
        }
    }
}
