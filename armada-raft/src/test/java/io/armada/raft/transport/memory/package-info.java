/** An in-JVM network of transports for engine and simulation tests; no sockets, messages copied on send. */
package io.armada.raft.transport.memory;
