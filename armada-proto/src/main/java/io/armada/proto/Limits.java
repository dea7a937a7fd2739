package io.armada.proto;

/**
 * The size limits of the armada.v1 API, enforced on every node. They are part of the public
 * contract (documented in kv.proto); raising one is a compatible change, lowering one is not.
 */
public final class Limits {
    /** Longest table name, in bytes of [A-Za-z0-9_.-]. */
    public static final int MAX_TABLE_NAME_BYTES = 64;
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

    private Limits() {}
}
