package io.armada.raft.engine;

import io.armada.raft.RaftConfig;
import io.armada.raft.log.LogStore;
import io.armada.raft.log.LogStoreOptions;
import io.armada.raft.transport.quic.QuicTransport;
import io.armada.raft.transport.quic.QuicTransportConfig;
import io.armada.raft.transport.quic.QuicTransportLimits;
import io.armada.raft.transport.tls.TlsMaterial;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One Raft node as its own process, for {@link MultiProcessRaftTest}: a RocksDB log store, a QUIC
 * transport with PEM certificates, an engine and one group. It takes commands on stdin
 * ({@code propose V}, {@code status}, {@code dump}) and answers on stdout, one line each.
 *
 * <p>Arguments: {@code nodeId dataDir certDir id=port,id=port,...}
 */
public final class RaftNodeMain {
    static final long GROUP = 1;

    /** The cluster name every test node process belongs to; its certificates must name it. */
    static final String CLUSTER = "armada-test";

    public static void main(String[] args) throws Exception {
        long self = Long.parseLong(args[0]);
        Path data = Path.of(args[1]);
        Path certs = Path.of(args[2]);
        Map<Long, InetSocketAddress> all = new HashMap<>();
        for (String part : args[3].split(",")) {
            String[] kv = part.split("=");
            all.put(
                    Long.parseLong(kv[0]),
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(kv[1])));
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Map<Long, InetSocketAddress> peers = new HashMap<>(all);
        peers.remove(self);
        TlsMaterial tls = new TlsMaterial.PemFiles(
                certs.resolve("node-" + self + ".crt"),
                certs.resolve("node-" + self + ".key"),
                certs.resolve("ca.crt"));
        LogStore log = LogStore.open(data.resolve("log"), LogStoreOptions.defaults(), e -> {
            e.printStackTrace();
            Runtime.getRuntime().halt(70); // a failed fsync stops the node
        });
        QuicTransport transport = new QuicTransport(
                new QuicTransportConfig(CLUSTER, self, all.get(self), peers, tls, QuicTransportLimits.defaults()));
        RaftEngine engine = new RaftEngine(
                self, EngineConfig.defaults().withTickMillis(20), RaftConfig.defaults(), log, transport, e -> {
                    e.printStackTrace();
                    Runtime.getRuntime().halt(70);
                });
        engine.start();
        RecordingStateMachine sm = new RecordingStateMachine(data.resolve("sm"));
        engine.openGroup(GROUP, List.copyOf(all.keySet()), sm).join();
        out.println("ready " + self);

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] cmd = line.split(" ", 2);
            switch (cmd[0]) {
                case "propose" -> {
                    String value = cmd[1];
                    engine.propose(GROUP, value.getBytes(StandardCharsets.UTF_8))
                            .whenComplete((applied, error) -> {
                                if (error == null) {
                                    out.println("ack " + value + " " + applied.index());
                                } else {
                                    Throwable cause = error.getCause() != null ? error.getCause() : error;
                                    out.println("err " + value + " "
                                            + cause.getMessage().replace('\n', ' '));
                                }
                            });
                }
                case "status" -> {
                    var s = engine.status(GROUP).orElseThrow();
                    out.println("status " + s.role() + " " + s.leaderId() + " " + s.appliedIndex());
                }
                case "dump" -> {
                    StringBuilder sb = new StringBuilder("dump");
                    for (String v : sm.applied()) {
                        sb.append(' ').append(v);
                    }
                    out.println(sb);
                }
                default -> out.println("unknown " + line);
            }
        }
        engine.close();
        transport.close();
        log.close();
    }
}
