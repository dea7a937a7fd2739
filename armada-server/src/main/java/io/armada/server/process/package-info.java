/** A node as its own JVM process, started from the class path the way an operator runs one: for the multi-process and fault tests. */
package io.armada.server.process;
