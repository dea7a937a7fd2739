package io.armada.cli;

import io.armada.client.ArmadaClient;
import io.armada.client.KeyRecord;
import io.armada.client.RangeResult;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** {@code armada kv put|get|range|delete}: keys and values are UTF-8 text. */
@CommandLine.Command(
        name = "kv",
        mixinStandardHelpOptions = true,
        description = "Read and write keys of a table.",
        subcommands = {KvCommand.Put.class, KvCommand.Get.class, KvCommand.Range.class, KvCommand.Delete.class})
final class KvCommand {
    abstract static class TableCommand extends ClientCommand {
        @CommandLine.Option(names = "--table", required = true, description = "The table.")
        String table;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** etcd's prefix convention: the range end is the prefix with its last byte incremented. */
    static byte[] prefixEnd(byte[] prefix) {
        byte[] end = prefix.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xFF) {
                end[i]++;
                return java.util.Arrays.copyOf(end, i + 1);
            }
        }
        return new byte[] {0}; // all 0xFF: to the end of the table
    }

    @CommandLine.Command(name = "put", description = "Write a key; prints the write's revision.")
    static final class Put extends TableCommand {
        @CommandLine.Parameters(index = "0", paramLabel = "KEY")
        String key;

        @CommandLine.Parameters(index = "1", paramLabel = "VALUE")
        String value;

        @Override
        int run(ArmadaClient c) {
            out().println(c.put(table, utf8(key), utf8(value)));
            return 0;
        }
    }

    @CommandLine.Command(name = "get", description = "Print a key's value; exit 1 if it does not exist.")
    static final class Get extends TableCommand {
        @CommandLine.Parameters(paramLabel = "KEY")
        String key;

        @CommandLine.Option(names = "--linearizable", description = "Read through the leader's ReadIndex.")
        boolean linearizable;

        @Override
        int run(ArmadaClient c) {
            var kv = c.get(table, utf8(key), linearizable);
            if (kv.isEmpty()) {
                spec.commandLine().getErr().println("not found: " + key);
                return 1;
            }
            out().println(text(kv.get().value()));
            return 0;
        }
    }

    @CommandLine.Command(name = "range", description = "Print key=value lines of [KEY, END) or of a prefix.")
    static final class Range extends TableCommand {
        @CommandLine.Parameters(index = "0", paramLabel = "KEY")
        String key;

        @CommandLine.Parameters(index = "1", arity = "0..1", paramLabel = "END")
        String end;

        @CommandLine.Option(names = "--prefix", description = "Every key starting with KEY.")
        boolean prefix;

        @CommandLine.Option(names = "--limit", defaultValue = "0", description = "At most this many keys (0: all).")
        long limit;

        @CommandLine.Option(names = "--linearizable", description = "Read through the leader's ReadIndex.")
        boolean linearizable;

        @Override
        int run(ArmadaClient c) {
            byte[] rangeEnd = prefix ? prefixEnd(utf8(key)) : end != null ? utf8(end) : null;
            RangeResult r = c.range(table, utf8(key), rangeEnd, limit, linearizable);
            for (KeyRecord kv : r.kvs()) {
                out().println(text(kv.key()) + "=" + text(kv.value()));
            }
            if (r.more()) {
                out().println("... " + (r.count() - r.kvs().size()) + " more");
            }
            return 0;
        }
    }

    @CommandLine.Command(name = "delete", description = "Delete a key, [KEY, END) or a prefix; prints how many.")
    static final class Delete extends TableCommand {
        @CommandLine.Parameters(index = "0", paramLabel = "KEY")
        String key;

        @CommandLine.Parameters(index = "1", arity = "0..1", paramLabel = "END")
        String end;

        @CommandLine.Option(names = "--prefix", description = "Every key starting with KEY.")
        boolean prefix;

        @Override
        int run(ArmadaClient c) {
            byte[] rangeEnd = prefix ? prefixEnd(utf8(key)) : end != null ? utf8(end) : null;
            out().println(c.delete(table, utf8(key), rangeEnd));
            return 0;
        }
    }
}
