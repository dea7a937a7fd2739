/**
 * Fault injection for any transport: a shared {@link io.armada.raft.transport.fault.FaultPlan} of
 * cut links and per-link, per-group {@link io.armada.raft.transport.fault.LinkFaults}, applied by a
 * {@link io.armada.raft.transport.fault.FaultInjectingTransport} per node with a seeded generator
 * and an injected scheduler, so a failing run replays exactly.
 */
package io.armada.raft.transport.fault;
