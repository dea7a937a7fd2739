package io.armada.cli;

import io.armada.client.ArmadaClient;
import io.armada.client.ArmadaException;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** A command that talks to a cluster: server errors print "error: CODE: message" and exit 3. */
abstract class ClientCommand implements Callable<Integer> {
    static final int EXIT_SERVER_ERROR = 3;
    static final int EXIT_USAGE = 2;

    @CommandLine.Mixin
    ClientOptions client;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public final Integer call() {
        try (ArmadaClient c = client.connect()) {
            return run(c);
        } catch (ArmadaException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return EXIT_SERVER_ERROR;
        } catch (IllegalArgumentException e) { // a client option the client cannot use (endpoint, timeout, TLS file)
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return EXIT_USAGE;
        }
    }

    abstract int run(ArmadaClient c);

    java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
