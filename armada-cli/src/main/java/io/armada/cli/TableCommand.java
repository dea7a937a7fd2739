package io.armada.cli;

import io.armada.client.ArmadaClient;
import io.armada.client.TableDetails;
import picocli.CommandLine;

/** {@code armada table create|delete|list|hash}. */
@CommandLine.Command(
        name = "table",
        mixinStandardHelpOptions = true,
        description = "Create, delete and list tables; compare their digests across nodes and clusters.",
        subcommands = {
            TableCommand.Create.class,
            TableCommand.Delete.class,
            TableCommand.ListTables.class,
            TableCommand.Hash.class
        })
final class TableCommand {
    @CommandLine.Command(name = "create", description = "Create a table.")
    static final class Create extends ClientCommand {
        @CommandLine.Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run(ArmadaClient c) {
            TableDetails t = c.createTable(name);
            out().println("created " + t.name() + " (id " + t.id() + ")");
            return 0;
        }
    }

    @CommandLine.Command(name = "delete", description = "Delete a table and all its data.")
    static final class Delete extends ClientCommand {
        @CommandLine.Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run(ArmadaClient c) {
            c.deleteTable(name);
            out().println("deleted " + name);
            return 0;
        }
    }

    @CommandLine.Command(name = "list", description = "List tables with their leader and applied revision.")
    static final class ListTables extends ClientCommand {
        @Override
        int run(ArmadaClient c) {
            out().printf("%-24s %8s %8s %6s %10s%n", "NAME", "ID", "LEADER", "TERM", "REVISION");
            for (TableDetails t : c.listTables()) {
                out().printf(
                                "%-24s %8d %8d %6d %10d%n",
                                t.name(), t.id(), t.leaderId(), t.raftTerm(), t.appliedRevision());
            }
            return 0;
        }
    }

    @CommandLine.Command(
            name = "hash",
            description = {
                "Each endpoint's digest of a table (SHA-256 of its revision and every" + " key, value and revision).",
                "Equal digests at equal revisions mean equal tables; exit 1 if the"
                        + " reachable endpoints disagree at one revision."
            })
    static final class Hash extends ClientCommand {
        @CommandLine.Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run(ArmadaClient c) {
            String[] endpoints = client.endpointList().toArray(String[]::new);
            java.util.Map<Long, java.util.Set<String>> byRevision = new java.util.HashMap<>();
            out().printf("%-22s %-6s %10s  %s%n", "ENDPOINT", "NODE", "REVISION", "SHA256");
            var all = c.hashOfEach(name);
            for (int i = 0; i < all.size(); i++) {
                if (all.get(i).isEmpty()) {
                    out().printf("%-22s %s%n", endpoints[i], "unreachable, or no such table there");
                    continue;
                }
                io.armada.client.TableDigest d = all.get(i).get();
                out().printf("%-22s %-6d %10d  %s%n", endpoints[i], d.memberId(), d.revision(), d.sha256());
                byRevision
                        .computeIfAbsent(d.revision(), r -> new java.util.HashSet<>())
                        .add(d.sha256());
            }
            return byRevision.values().stream().anyMatch(digests -> digests.size() > 1) ? 1 : 0;
        }
    }
}
