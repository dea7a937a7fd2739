/**
 * The node's gRPC surface: the armada.v1 services (KV, Tables, Cluster, Maintenance), the internal
 * services other members and follower clusters call, the routing of writes to each group's Raft
 * leader (or to the leader cluster), and every limit on what a client may send or hold.
 */
package io.armada.server.api;
