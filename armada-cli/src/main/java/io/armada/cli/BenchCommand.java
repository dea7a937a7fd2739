package io.armada.cli;

import io.armada.bench.Bench;
import io.armada.bench.BenchResult;
import io.armada.bench.BenchSpec;
import io.armada.bench.Workload;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** {@code armada bench}: the system benchmark, against Armada or (with --target etcd) etcd. */
@CommandLine.Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Load a cluster and report throughput and latency percentiles (HdrHistogram).",
            "--target etcd drives an etcd cluster through jetcd with the same generator (a table is a key prefix)."
        })
final class BenchCommand implements Callable<Integer> {
    @CommandLine.Option(
            names = "--target",
            defaultValue = "armada",
            description = "armada or etcd (default: ${DEFAULT-VALUE}).")
    String target;

    @CommandLine.Option(
            names = "--endpoints",
            defaultValue = "127.0.0.1:6001,127.0.0.1:6002,127.0.0.1:6003",
            description = "host:port of the cluster's client API, comma-separated (default: ${DEFAULT-VALUE}).")
    String endpoints;

    @CommandLine.Option(
            names = "--follower-cluster-endpoints",
            description = "op lag and catchup: a follower cluster's endpoints.")
    String followerClusterEndpoints;

    /** The old name of --follower-cluster-endpoints; hidden, still read. */
    @CommandLine.Option(names = "--follower-endpoints", hidden = true)
    String followerEndpointsOldName;

    @CommandLine.Option(
            names = "--table",
            defaultValue = "bench",
            description = "The table, or several separated by commas (default: ${DEFAULT-VALUE}).")
    String table;

    @CommandLine.Option(
            names = "--tables",
            defaultValue = "0",
            description = "Spread the load over N tables TABLE-0..TABLE-(N-1) instead of one.")
    int tables;

    @CommandLine.Option(
            names = "--op",
            defaultValue = "put",
            description =
                    "put, get, txn, mixed (90 %% gets), lag (writes read back on --follower-cluster-endpoints), fill"
                            + " (every key once, then stop) or catchup (wait until --follower-cluster-endpoints reach the leader's"
                            + " revision) (default: ${DEFAULT-VALUE}).")
    String op;

    @CommandLine.Option(
            names = "--clients",
            defaultValue = "1",
            description = "Connections (default: ${DEFAULT-VALUE}).")
    int clients;

    @CommandLine.Option(
            names = "--in-flight",
            defaultValue = "1",
            description = "Outstanding operations per connection (default: ${DEFAULT-VALUE}).")
    int inFlight;

    @CommandLine.Option(
            names = "--duration",
            defaultValue = "10",
            description = "Measured seconds (default: ${DEFAULT-VALUE}).")
    int duration;

    @CommandLine.Option(
            names = "--warmup",
            defaultValue = "3",
            description = "Unmeasured seconds first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @CommandLine.Option(
            names = "--value-size",
            defaultValue = "256",
            description = "Bytes per value (default: ${DEFAULT-VALUE}).")
    int valueSize;

    @CommandLine.Option(
            names = "--key-space",
            defaultValue = "10000",
            description = "Distinct keys per table (default: ${DEFAULT-VALUE}).")
    int keySpace;

    @CommandLine.Option(names = "--linearizable", description = "Linearizable reads (serializable otherwise).")
    boolean linearizable;

    @CommandLine.Option(
            names = "--rate",
            defaultValue = "0",
            description = "Open loop at this many operations per second; 0 is a closed loop (default).")
    double rate;

    @CommandLine.Option(names = "--json", description = "Also write the result to this file as JSON.")
    Path json;

    @CommandLine.Option(
            names = "--pinned",
            description =
                    "Armada: each connection talks to one endpoint only, so"
                            + " writes reaching a non-leader are forwarded (default: the client routes each table's writes to its leader).")
    boolean pinned;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        BenchSpec s;
        try {
            BenchSpec.Store store = BenchSpec.Store.valueOf(target.toUpperCase(java.util.Locale.ROOT));
            Workload workload = Workload.valueOf(op.toUpperCase(java.util.Locale.ROOT));
            List<String> names = new ArrayList<>();
            if (tables <= 0) {
                names.addAll(split(table));
            }
            for (int i = 0; i < tables; i++) {
                names.add(table + "-" + i);
            }
            String followerEndpoints = OldOptionNames.resolve(
                    spec,
                    "--follower-cluster-endpoints",
                    followerClusterEndpoints,
                    "--follower-endpoints",
                    followerEndpointsOldName);
            s = new BenchSpec(
                    store,
                    split(endpoints),
                    followerEndpoints == null ? List.of() : split(followerEndpoints),
                    names,
                    workload,
                    clients,
                    inFlight,
                    Duration.ofSeconds(duration),
                    Duration.ofSeconds(warmup),
                    valueSize,
                    keySpace,
                    linearizable,
                    rate,
                    json,
                    pinned);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return ClientCommand.EXIT_USAGE;
        }
        BenchResult result = Bench.run(s, spec.commandLine().getErr());
        spec.commandLine().getOut().print(result.text());
        spec.commandLine().getOut().flush();
        return result.operations() == 0 ? 1 : 0;
    }

    private static List<String> split(String list) {
        return Arrays.stream(list.split(","))
                .map(String::trim)
                .filter(e -> !e.isEmpty())
                .toList();
    }
}
