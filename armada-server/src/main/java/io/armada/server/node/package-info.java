/**
 * One node's tables as Raft groups: the catalog group that lists them, each table's state machine
 * over the table store, snapshots, and the reconciliation that opens and removes groups as the
 * catalog changes.
 */
package io.armada.server.node;
