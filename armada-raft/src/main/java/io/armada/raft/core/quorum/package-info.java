/** Majority arithmetic over a voter set: the committed index and the outcome of a vote (Raft §5.2, §5.3). */
package io.armada.raft.core.quorum;
