/** The `armada` command line (picocli): running nodes and dev clusters, and the client commands for tables, keys, status, benchmarks and verification. */
package io.armada.cli;
