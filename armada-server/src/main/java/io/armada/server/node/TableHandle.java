package io.armada.server.node;

/** A table this node serves: its name, its id (also its Raft group id) and its state machine. */
public record TableHandle(String name, long id, TableStateMachine stateMachine) {}
