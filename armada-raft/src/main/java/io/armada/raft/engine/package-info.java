/**
 * Multi-group Raft on one node: workers that drive many groups' cores, persist their entries with
 * one fsync per round before acknowledging, send their messages over a transport and apply
 * committed entries to each group's state machine.
 */
package io.armada.raft.engine;
