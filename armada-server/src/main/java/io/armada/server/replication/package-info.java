/** A follower cluster's side of cross-cluster replication: the link to the leader cluster and the per-table pull of its committed entries. */
package io.armada.server.replication;
