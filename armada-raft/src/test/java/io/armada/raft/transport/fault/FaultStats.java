package io.armada.raft.transport.fault;

/**
 * What a {@link FaultInjectingTransport} did to the messages sent through it.
 *
 * @param sent messages passed to {@code send}
 * @param blocked refused by a cut link
 * @param dropped silently lost
 * @param duplicated delivered an extra time
 * @param delayed deliveries (copies included) that went through the scheduler
 * @param reordered deliveries held back so later messages could overtake them
 */
public record FaultStats(long sent, long blocked, long dropped, long duplicated, long delayed, long reordered) {}
