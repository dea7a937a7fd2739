package io.armada.raft;

/** What a log entry carries; the engine applies {@link #NORMAL} data to the state machine only. */
public enum EntryType {
    /** Opaque state-machine command proposed by a client. */
    NORMAL,
    /** A {@link ConfChange}, encoded by {@link ConfChange#encode()}; the core applies it itself. */
    CONF_CHANGE,
    /** Appended by every new leader so that it can commit an entry of its own term; no data. */
    NOOP
}
