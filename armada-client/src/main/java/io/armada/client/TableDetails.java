package io.armada.client;

/** A table as one node sees it: id, its group's leader and term, and the revision applied there. */
public record TableDetails(String name, long id, long leaderId, long raftTerm, long appliedRevision) {}
