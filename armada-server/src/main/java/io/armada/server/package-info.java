/** An Armada node: tables as Raft groups, the armada.v1 gRPC services, forwarding and operations. */
package io.armada.server;
