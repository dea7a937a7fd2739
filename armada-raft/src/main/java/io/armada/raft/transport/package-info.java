/**
 * How Raft messages travel between the nodes of one cluster. {@link io.armada.raft.transport.Transport}
 * is the seam: opaque bytes addressed to a node and tagged with a Raft group, best effort, never
 * blocking the sender.
 *
 * <ul>
 *   <li>{@code quic} - the production transport: QUIC with mutual TLS 1.3, one connection per node
 *       pair and one stream per Raft group and direction.</li>
 *   <li>{@code tls} - node certificates: PEM loading, the node id carried in the certificate, and a
 *       throwaway authority for development and tests.</li>
 *   <li>{@code memory} - an in-JVM network for engine and simulation tests.</li>
 *   <li>{@code fault} - a wrapper for any transport that cuts, drops, duplicates, delays and reorders
 *       messages per link and group, from a seed and an injected clock.</li>
 * </ul>
 */
package io.armada.raft.transport;
