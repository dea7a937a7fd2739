package io.armada.cli;

import io.armada.client.ArmadaClient;
import io.armada.client.TableInfo;
import picocli.CommandLine;

/** {@code armada table create|delete|list}. */
@CommandLine.Command(name = "table", mixinStandardHelpOptions = true, description = "Create, delete and list tables.",
        subcommands = {TableCommand.Create.class, TableCommand.Delete.class, TableCommand.ListTables.class})
final class TableCommand {
    @CommandLine.Command(name = "create", description = "Create a table.")
    static final class Create extends ClientCommand {
        @CommandLine.Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run(ArmadaClient c) {
            TableInfo t = c.createTable(name);
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
            for (TableInfo t : c.listTables()) {
                out().printf("%-24s %8d %8d %6d %10d%n", t.name(), t.id(), t.leaderId(), t.raftTerm(), t.appliedRevision());
            }
            return 0;
        }
    }
}
