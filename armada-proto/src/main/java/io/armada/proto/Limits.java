package io.armada.proto;

/**
 * The size limits of the armada.v1 API, enforced on every node. They are part of the public
 * contract (documented in kv.proto); raising one is a compatible change, lowering one is not.
 */
public final class Limits {
    /** Longest table name, in bytes of [A-Za-z0-9_.-]. */
    public static final int MAX_TABLE_NAME_BYTES = 64;
    /** Upper bound of the commands of one LogService.Pull batch; one entry larger than this still goes alone. */
    public static final int MAX_PULL_BATCH_BYTES = 1 << 20;
    /** Longest a LogService.Pull long poll waits for a new entry, whatever it asks. */
    public static final int MAX_PULL_WAIT_MILLIS = 10_000;
    /** Tables a cluster holds at most unless configured otherwise ({@code quotas.max-tables}). */
    public static final int DEFAULT_MAX_TABLES = 2_000;
    /** Longest key: 1 KiB. Keys are never empty. */
    public static final int MAX_KEY_BYTES = 1024;
    /** Largest value: 2 MiB. */
    public static final int MAX_VALUE_BYTES = 2 * 1024 * 1024;
    /** Largest request on the wire: 4 MiB. */
    public static final int MAX_REQUEST_BYTES = 4 * 1024 * 1024;
    /** Most compares, and most ops in each branch, of one Txn. */
    public static final int MAX_TXN_OPS = 128;
    /** Most bytes of kvs in one unary Range response; past it the response sets {@code more}. */
    public static final int MAX_RANGE_RESPONSE_BYTES = 4 * 1024 * 1024;
    /**
     * Most bytes a write's response may carry: a DeleteRange's {@code prev_kvs}, or a Txn's responses
     * all together (its ranges share this budget: a range past it returns what fits and sets
     * {@code more}). A write whose {@code prev_kv} results would exceed it fails with
     * RESOURCE_EXHAUSTED and changes nothing. The same as a Range page, so every response fits the
     * channels' inbound limit ({@link #MAX_RESPONSE_FRAME_BYTES}).
     */
    public static final int MAX_WRITE_RESPONSE_BYTES = MAX_RANGE_RESPONSE_BYTES;
    /**
     * Largest response message a channel must accept: a Range page or a write's response
     * ({@link #MAX_RANGE_RESPONSE_BYTES}, counted with each record's framing) plus its header.
     */
    public static final int MAX_RESPONSE_FRAME_BYTES = MAX_RANGE_RESPONSE_BYTES + 64 * 1024;
    /** Largest chunk of a streamed table snapshot. */
    public static final int MAX_SNAPSHOT_CHUNK_BYTES = 1024 * 1024;

    /**
     * Most bytes of kvs in one IterateRange page (a page always holds at least one kv, so one large
     * value still goes alone). Small so a reader that stops reading pins little: the node produces
     * the next page only when gRPC's flow control says the client took the previous ones.
     */
    public static final int MAX_ITERATE_PAGE_BYTES = 64 * 1024;
    /**
     * Open IterateRange streams one client connection may hold; more are refused with
     * RESOURCE_EXHAUSTED. A stream pins a RocksDB snapshot and up to one
     * page or chunk in memory; an application needs a few at a time, not thousands.
     */
    public static final int MAX_STREAMS_PER_CONNECTION = 16;
    /**
     * Open IterateRange streams on one node, over all connections; more are refused with
     * RESOURCE_EXHAUSTED. Bounds what never-read streams can pin: at most this many RocksDB snapshots
     * and, per stream, one page ({@link #MAX_ITERATE_PAGE_BYTES}, or one large kv) plus gRPC's 32 KiB
     * send buffer.
     */
    public static final int MAX_STREAMS_PER_NODE = 128;
    /**
     * Open LogService.Snapshot streams on one node (and on one connection). Each pins a RocksDB
     * snapshot and about 3 MiB while it sends (the 1 MiB chunk being built, its buffer, the chunk in
     * flight); a follower cluster needs one per table it catches up, rarely more than a few at once.
     */
    public static final int MAX_SNAPSHOT_STREAMS_PER_NODE = 8;
    /**
     * A server-streaming call whose reader took nothing for this long is ended with DEADLINE_EXCEEDED
     * and its RocksDB snapshot released: a healthy reader takes a page in milliseconds.
     */
    public static final long STREAM_STALL_TIMEOUT_MILLIS = 30_000;
    /**
     * A call whose request message has not fully arrived this long after its headers is reset: a
     * body declared and never finished holds up to a stream's flow-control window of this node's
     * memory. 4 MiB (the largest request) takes this long at under 300 KiB/s.
     */
    public static final long REQUEST_RECEIVE_TIMEOUT_MILLIS = 15_000;
    /**
     * Most bytes of request messages still arriving that one node holds, over all its connections.
     * gRPC buffers a message in full as it arrives (HTTP/2 flow control does not bound a partial
     * message), so without this a client declaring 4 MiB bodies on every stream of many connections
     * fills the node's direct memory. A request still arriving when the node is past this budget
     * is refused with RESOURCE_EXHAUSTED (nothing of it is applied; retrying later is safe). Room for
     * 16 of the largest requests arriving at once. The node's memory for them is a multiple of this:
     * a held frame pins the whole socket read buffer it arrived in, about 1.8 times the bytes held
     * when every stream is kept and 6 to 7 times when refused streams' frames shared the buffers
     * (UnfinishedRequestBodiesTest).
     */
    public static final long MAX_UNFINISHED_REQUEST_BYTES_PER_NODE = 64L * 1024 * 1024;
    /**
     * A request whose message has arrived up to this many bytes is never refused by
     * {@link #MAX_UNFINISHED_REQUEST_BYTES_PER_NODE}, so small requests are served while large
     * bodies fill the budget; what they hold is bounded by the streams a connection may open.
     */
    public static final int ALWAYS_ADMITTED_REQUEST_BYTES = 64 * 1024;
    /**
     * Longest a read with {@code min_revision} waits for this node to apply that revision, whatever
     * the client's deadline: replication lag is normally milliseconds to seconds, and a wait must
     * not pin a call for hours. Past it the read is refused with UNAVAILABLE (retry, or read elsewhere).
     */
    public static final long MAX_MIN_REVISION_WAIT_MILLIS = 10_000;

    private Limits() {}
}
