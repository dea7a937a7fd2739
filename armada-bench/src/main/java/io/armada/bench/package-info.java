/** `armada bench`: load generators and workloads run against Armada and etcd side by side, with latency histograms and the result's report. */
package io.armada.bench;
