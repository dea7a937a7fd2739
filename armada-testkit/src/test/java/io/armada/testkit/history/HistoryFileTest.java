package io.armada.testkit.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryFileTest {
    @TempDir
    Path dir;

    @Test
    void everyKindOfOperationSurvivesTheRoundTrip() throws Exception {
        History h = new History(List.of(
                new Operation(
                        0,
                        1,
                        Operation.Kind.PUT,
                        "t",
                        "k",
                        "a",
                        0,
                        null,
                        "leader",
                        10,
                        20,
                        Operation.Outcome.OK,
                        5,
                        true,
                        null,
                        0),
                new Operation(
                        1,
                        2,
                        Operation.Kind.CAS,
                        "t",
                        "k",
                        "b",
                        5,
                        null,
                        "leader",
                        15,
                        30,
                        Operation.Outcome.OK,
                        6,
                        false,
                        null,
                        0),
                new Operation(
                        2,
                        3,
                        Operation.Kind.DELETE,
                        "u",
                        "k é\n\"",
                        null,
                        0,
                        null,
                        "leader",
                        16,
                        Long.MAX_VALUE,
                        Operation.Outcome.UNKNOWN,
                        0,
                        false,
                        null,
                        0),
                new Operation(
                        3,
                        4,
                        Operation.Kind.READ,
                        "t",
                        "k",
                        null,
                        0,
                        Operation.Consistency.SERIALIZABLE,
                        "follower 127.0.0.1:7001",
                        40,
                        50,
                        Operation.Outcome.OK,
                        6,
                        false,
                        "a",
                        5),
                new Operation(
                        4,
                        4,
                        Operation.Kind.READ,
                        "t",
                        "j",
                        null,
                        0,
                        Operation.Consistency.LINEARIZABLE,
                        "leader",
                        60,
                        70,
                        Operation.Outcome.FAILED,
                        0,
                        false,
                        null,
                        0)));
        Path file = dir.resolve("run.history.jsonl");
        h.save(file);
        assertThat(Files.readAllLines(file)).hasSize(5); // one line per operation, newlines in keys escaped
        assertThat(History.load(file)).isEqualTo(h);
    }

    @Test
    void aLineThatCannotBeAnOperationIsRefused() throws Exception {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, "{\"id\":0,\"process\":1,\"table\":\"t\",\"key\":\"k\",\"outcome\":\"OK\"}\n");
        assertThatThrownBy(() -> History.load(file)).hasMessageContaining("kind");
    }
}
