package io.armada.raft;

/** What a log entry carries; the engine applies {@link #NORMAL} data to the state machine only. */
public enum EntryType {
    /** Opaque state-machine command proposed by a client. */
    NORMAL(0),
    /** A {@link ConfChange}, encoded by {@link ConfChange#encode()}; the core applies it itself. */
    CONF_CHANGE(1),
    /** Appended by every new leader so that it can commit an entry of its own term; no data. */
    NOOP(2);

    /** How the log store records the type: stored on disk, so a code never changes meaning. */
    private final byte code;

    EntryType(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    /** The type stored as {@code code}; IllegalArgumentException for any other byte. */
    public static EntryType ofCode(byte code) {
        for (EntryType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown entry type code " + code);
    }
}
