/** Operating a node: Prometheus metrics, the health, readiness and metrics HTTP endpoint, fault-injection points for tests, and the logging of gRPC's own output. */
package io.armada.server.ops;
