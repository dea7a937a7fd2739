package io.armada.testkit.history;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The operations of one run, in invocation order; saved as JSON lines so a failing run can be checked again. */
public record History(List<Operation> operations) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public History {
        operations = List.copyOf(operations);
    }

    public void save(Path file) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            for (Operation op : operations) {
                out.write(JSON.writeValueAsString(op));
                out.newLine();
            }
        }
    }

    public static History load(Path file) throws IOException {
        List<Operation> ops = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isBlank()) {
                    ops.add(JSON.readValue(line, Operation.class));
                }
            }
        }
        return new History(ops);
    }
}
