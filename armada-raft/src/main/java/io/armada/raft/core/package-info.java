/**
 * The Raft state machine of one group, deterministic and single-threaded: it takes messages, ticks
 * and proposals and hands back what to persist, send and apply (etcd-raft's RawNode shape). No
 * clock, thread, disk or network is touched here: those are the engine's, so the simulation drives
 * whole clusters from a seed.
 */
package io.armada.raft.core;
