package io.armada.testkit.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HistoryRecorderTest {
    private final AtomicLong now = new AtomicLong();
    private final HistoryRecorder recorder =
            new HistoryRecorder(now::incrementAndGet); // each reading is one tick later

    @Test
    void eachCompletionRecordsItsOutcomeAndTimes() {
        HistoryRecorder.Pending put = recorder.invoke(1, Operation.Kind.PUT, "t", "k", "a", 0, null, "leader");
        HistoryRecorder.Pending read = recorder.invoke(
                2, Operation.Kind.READ, "t", "k", null, 0, Operation.Consistency.LINEARIZABLE, "leader");
        HistoryRecorder.Pending cas = recorder.invoke(3, Operation.Kind.CAS, "t", "k", "b", 7, null, "leader");
        HistoryRecorder.Pending delete = recorder.invoke(4, Operation.Kind.DELETE, "t", "k", null, 0, null, "leader");
        put.written(7, true);
        read.read(7, "a", 7);
        cas.failed();
        delete.unknown();

        List<Operation> ops = recorder.history().operations();
        assertThat(ops).extracting(Operation::id).containsExactly(0L, 1L, 2L, 3L);
        assertThat(ops.get(0))
                .extracting(Operation::invokeNanos, Operation::completeNanos, Operation::outcome, Operation::revision)
                .containsExactly(1L, 5L, Operation.Outcome.OK, 7L);
        assertThat(ops.get(1))
                .extracting(
                        Operation::completeNanos, Operation::revision, Operation::readValue, Operation::readModRevision)
                .containsExactly(6L, 7L, "a", 7L);
        assertThat(ops.get(2))
                .extracting(Operation::outcome, Operation::completeNanos, Operation::expectedModRevision)
                .containsExactly(Operation.Outcome.FAILED, 7L, 7L);
        assertThat(ops.get(3))
                .extracting(Operation::outcome, Operation::completeNanos)
                .containsExactly(Operation.Outcome.UNKNOWN, Long.MAX_VALUE);
    }

    @Test
    void anOperationNeverAnsweredIsUnknown() {
        recorder.invoke(1, Operation.Kind.PUT, "t", "k", "a", 0, null, "leader");
        Operation op = recorder.history().operations().getFirst();
        assertThat(op.outcome()).isEqualTo(Operation.Outcome.UNKNOWN);
        assertThat(op.completeNanos()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aHistoryIsASnapshotThatLaterCompletionsLeaveAlone() {
        HistoryRecorder.Pending put = recorder.invoke(1, Operation.Kind.PUT, "t", "k", "a", 0, null, "leader");
        History before = recorder.history();
        put.written(3, true);
        assertThat(before.operations().getFirst().outcome()).isEqualTo(Operation.Outcome.UNKNOWN);
        assertThat(recorder.history().operations().getFirst().outcome()).isEqualTo(Operation.Outcome.OK);
    }

    @Test
    void anOperationCompletesOnlyOnce() {
        HistoryRecorder.Pending put = recorder.invoke(1, Operation.Kind.PUT, "t", "k", "a", 0, null, "leader");
        put.unknown();
        assertThatThrownBy(() -> put.written(3, true)).isInstanceOf(IllegalStateException.class);
        HistoryRecorder.Pending other = recorder.invoke(1, Operation.Kind.PUT, "t", "k", "b", 0, null, "leader");
        other.written(4, true);
        // a late timeout must not turn an acknowledged write into an unknown one
        assertThatThrownBy(other::unknown).isInstanceOf(IllegalStateException.class);
        assertThat(recorder.history().operations().get(1).outcome()).isEqualTo(Operation.Outcome.OK);
    }

    @Test
    void readsAndWritesCompleteOnlyAsWhatTheyAre() {
        HistoryRecorder.Pending read = recorder.invoke(
                1, Operation.Kind.READ, "t", "k", null, 0, Operation.Consistency.SERIALIZABLE, "follower-1");
        assertThatThrownBy(() -> read.written(3, true)).isInstanceOf(IllegalArgumentException.class);
        HistoryRecorder.Pending put = recorder.invoke(1, Operation.Kind.PUT, "t", "k", "a", 0, null, "leader");
        assertThatThrownBy(() -> put.read(3, "a", 3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clientsMayRecordFromManyThreads() throws Exception {
        int clients = 4;
        int each = 500;
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < clients; p++) {
            int process = p;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < each; i++) {
                    HistoryRecorder.Pending op = recorder.invoke(
                            process, Operation.Kind.PUT, "t", "k", process + "-" + i, 0, null, "leader");
                    op.written(i + 1, true);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        List<Operation> ops = recorder.history().operations();
        assertThat(ops).hasSize(clients * each);
        assertThat(ops).allSatisfy(op -> {
            assertThat(op.outcome()).isEqualTo(Operation.Outcome.OK);
            assertThat(op.completeNanos()).isGreaterThan(op.invokeNanos());
        });
        assertThat(ops).extracting(Operation::id).doesNotHaveDuplicates();
    }
}
