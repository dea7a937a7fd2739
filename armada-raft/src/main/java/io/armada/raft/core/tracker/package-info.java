/** A leader's view of each follower: match and next index, probe/replicate/snapshot state, messages in flight and snapshot transfers. */
package io.armada.raft.core.tracker;
