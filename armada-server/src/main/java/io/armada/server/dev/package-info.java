/** `armada dev` and the tests' in-process clusters: several nodes (and follower clusters) in one JVM on free local ports. */
package io.armada.server.dev;
