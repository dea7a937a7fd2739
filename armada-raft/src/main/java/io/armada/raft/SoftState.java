package io.armada.raft;

/** Volatile state the engine may want to publish (metrics, routing); never persisted. */
public record SoftState(RaftRole role, long leaderId) {}
