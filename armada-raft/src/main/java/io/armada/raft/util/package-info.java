/** Small helpers shared by the Raft core and its transports. */
package io.armada.raft.util;
