package io.armada.storage;

import static io.armada.storage.Requests.bs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.armada.api.v1.Compare;
import io.armada.api.v1.DeleteRangeRequest;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RequestOp;
import io.armada.api.v1.TxnRequest;
import io.armada.internal.v1.Command;
import io.armada.internal.v1.CommandError;
import io.armada.internal.v1.CommandResult;
import io.armada.proto.Limits;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A committed command that cannot be applied is recorded as a failure at its index, alike on every
 * replica, and changes nothing; it never throws out of apply (a throw stops the node, and the entry,
 * still in the log, stops it again at every restart — on every replica).
 */
class PoisonCommandTest {
    @TempDir
    Path dir;

    /** The 20-byte Txn of the probe: a compare whose result is 9, outside the enum. */
    private static Command unknownCompareResult() {
        return Requests.txn(TxnRequest.newBuilder()
                .setTable("poison")
                .addCompare(Compare.newBuilder()
                        .setResultValue(9)
                        .setTarget(Compare.CompareTarget.VERSION)
                        .setKey(bs("k1"))
                        .setVersion(1)));
    }

    @Test
    void aCompareWithAnUnknownResultIsRejectedByValidation() {
        assertThatThrownBy(() -> CommandValidator.validate(unknownCompareResult()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("txn.compare[0].result: 9 is not a compare result");
        Command unknownTarget = Requests.txn(TxnRequest.newBuilder()
                .addCompare(
                        Compare.newBuilder().setTargetValue(17).setKey(bs("k")).setVersion(1)));
        assertThatThrownBy(() -> CommandValidator.validate(unknownTarget))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("txn.compare[0].target: 17 is not a compare target");
        Command mismatched = Requests.txn(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder()
                        .setTarget(Compare.CompareTarget.VALUE)
                        .setKey(bs("k"))
                        .setVersion(1)));
        assertThatThrownBy(() -> CommandValidator.validate(mismatched))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("txn.compare[0]: target VALUE compares value, but version is set");
    }

    @Test
    void aPoisonCommandThatReachedApplyIsRecordedAsFailedAndTheRunGoesOn() {
        try (TableStore store = TableStore.open(dir, StoreOptions.defaults())) {
            Table t = store.createTable(1);
            List<CommandResult> results = t.applyAll(List.of(
                    new Table.IndexedCommand(1, 1, Requests.put("a", "1")),
                    new Table.IndexedCommand(2, 2, unknownCompareResult()),
                    new Table.IndexedCommand(3, 3, Command.getDefaultInstance()),
                    new Table.IndexedCommand(4, 4, Requests.put("b", "2"))));
            assertThat(results.get(1).getError().getReason()).isEqualTo(CommandError.Reason.INVALID_ARGUMENT);
            assertThat(results.get(1).getError().getMessage()).contains("txn.compare[0].result");
            assertThat(results.get(2).getError().getReason()).isEqualTo(CommandError.Reason.INVALID_ARGUMENT);
            assertThat(results.get(3).hasPut()).isTrue();
            assertThat(t.appliedIndex()).isEqualTo(4);
            assertThat(t.range(Requests.all()).getKvsList())
                    .extracting(kv -> kv.getKey().toStringUtf8())
                    .containsExactly("a", "b");
        }
        // the restart replays nothing and opens: the failure was recorded, not left to be retried
        try (TableStore store = TableStore.open(dir, StoreOptions.defaults())) {
            assertThat(store.table(1).appliedIndex()).isEqualTo(4);
        }
    }

    @Test
    void aTxnThatFailsPartWayLeavesNoTraceButTheRunsEarlierCommandsStay() {
        try (TableStore store = TableStore.open(dir, StoreOptions.defaults())) {
            Table t = store.createTable(1);
            String big = "x".repeat(Limits.MAX_VALUE_BYTES - 16);
            t.applyAll(List.of(
                    new Table.IndexedCommand(1, 1, Requests.put("big1", big)),
                    new Table.IndexedCommand(2, 2, Requests.put("big2", big)),
                    new Table.IndexedCommand(3, 3, Requests.put("big3", big))));
            // the txn first puts "new", then deletes every big value with prev_kv: over the response limit
            Command txn = Requests.txn(TxnRequest.newBuilder()
                    .addSuccess(Requests.opPut("new", "v"))
                    .addSuccess(RequestOp.newBuilder()
                            .setRequestDeleteRange(DeleteRangeRequest.newBuilder()
                                    .setKey(bs("big"))
                                    .setRangeEnd(bs("bih"))
                                    .setPrevKv(true))));
            List<CommandResult> results = t.applyAll(List.of(
                    new Table.IndexedCommand(4, 4, Requests.put("before", "1")),
                    new Table.IndexedCommand(5, 5, txn),
                    new Table.IndexedCommand(6, 6, Requests.put("after", "1"))));
            CommandError error = results.get(1).getError();
            assertThat(error.getReason()).isEqualTo(CommandError.Reason.RESOURCE_EXHAUSTED);
            assertThat(error.getMessage())
                    .contains("txn.success[1].request_delete_range.prev_kv")
                    .contains(String.valueOf(Limits.MAX_WRITE_RESPONSE_BYTES));
            assertThat(t.range(Requests.all().toBuilder().setKeysOnly(true).build())
                            .getKvsList())
                    .extracting(kv -> kv.getKey().toStringUtf8())
                    .containsExactly("after", "before", "big1", "big2", "big3");
            assertThat(t.appliedIndex()).isEqualTo(6);
        }
    }

    @Test
    void aDeleteWhosePreviousRecordsExceedTheResponseLimitChangesNothing() {
        try (TableStore store = TableStore.open(dir, StoreOptions.defaults())) {
            Table t = store.createTable(1);
            String big = "x".repeat(Limits.MAX_VALUE_BYTES - 16);
            for (int i = 1; i <= 3; i++) {
                t.apply(i, i, Requests.put("k" + i, big));
            }
            CommandResult result = t.apply(4, 4, Requests.delete("k", "l"));
            assertThat(result.getError().getReason()).isEqualTo(CommandError.Reason.RESOURCE_EXHAUSTED);
            assertThat(result.getError().getMessage()).startsWith("delete_range.prev_kv:");
            assertThat(t.range(Requests.all().toBuilder().setCountOnly(true).build())
                            .getCount())
                    .isEqualTo(3);
            // without prev_kv the same delete is small and applies
            Command plain = Command.newBuilder()
                    .setDeleteRange(
                            DeleteRangeRequest.newBuilder().setKey(bs("k")).setRangeEnd(bs("l")))
                    .build();
            assertThat(t.apply(5, 5, plain).getDeleteRange().getDeleted()).isEqualTo(3);
        }
    }

    @Test
    void aTxnOfManyRangesSharesOneResponseBudget() {
        try (TableStore store = TableStore.open(dir, StoreOptions.defaults())) {
            Table t = store.createTable(1);
            String big = "x".repeat(Limits.MAX_VALUE_BYTES - 16);
            t.apply(1, 1, Requests.put("a", big));
            t.apply(2, 2, Requests.put("b", big));
            TxnRequest.Builder txn = TxnRequest.newBuilder();
            for (int i = 0; i < Limits.MAX_TXN_OPS; i++) {
                txn.addSuccess(Requests.opRange("\0", "\0"));
            }
            CommandResult result = t.apply(3, 3, Requests.txn(txn));
            assertThat(result.getTxn().getSucceeded()).isTrue();
            assertThat(result.getTxn().getResponsesCount()).isEqualTo(Limits.MAX_TXN_OPS);
            assertThat(result.getTxn().getSerializedSize()).isLessThanOrEqualTo(Limits.MAX_RESPONSE_FRAME_BYTES);
            // every range still counts every key, and says there is more than it carries
            assertThat(result.getTxn().getResponsesList())
                    .allSatisfy(r -> assertThat(r.getResponseRange().getCount()).isEqualTo(2));
            assertThat(result.getTxn()
                            .getResponses(Limits.MAX_TXN_OPS - 1)
                            .getResponseRange()
                            .getMore())
                    .isTrue();
        }
    }

    /**
     * A replica no client waits on (it did not propose the entry) builds no Txn range result (issue 14
     * #5: a Txn of 64 ranges made every replica build a 250 MiB answer inside the apply), yet its ranges
     * take from the response budget what they would on the replica that answers: whether a later
     * {@code prev_kv} fits decides whether the Txn applies, and replicas must agree on that.
     */
    @Test
    void aReplicaNoClientWaitsOnBuildsNoTxnRangesButSpendsTheirBudgetAlike() {
        try (TableStore answering = TableStore.open(dir.resolve("answering"), StoreOptions.defaults());
                TableStore silent = TableStore.open(dir.resolve("silent"), StoreOptions.defaults())) {
            Table[] replicas = {answering.createTable(1), silent.createTable(1)};
            String big = "x".repeat(Limits.MAX_VALUE_BYTES - 16);
            // the range takes half the budget; the put's previous record of "b" needs the other half and a little more
            Command overBudget = Requests.txn(TxnRequest.newBuilder()
                    .addSuccess(Requests.opRange("a", ""))
                    .addSuccess(RequestOp.newBuilder()
                            .setRequestPut(PutRequest.newBuilder()
                                    .setKey(bs("b"))
                                    .setValue(bs("small"))
                                    .setPrevKv(true))));
            Command readAll = Requests.txn(TxnRequest.newBuilder().addSuccess(Requests.opRange("a", "c")));
            CommandResult[][] results = new CommandResult[2][];
            for (int r = 0; r < 2; r++) {
                boolean answered = r == 0;
                results[r] = replicas[r]
                        .applyAll(List.of(
                                new Table.IndexedCommand(1, 1, Requests.put("a", big), answered),
                                new Table.IndexedCommand(2, 2, Requests.put("b", big), answered),
                                new Table.IndexedCommand(3, 3, overBudget, answered),
                                new Table.IndexedCommand(4, 4, readAll, answered)))
                        .toArray(CommandResult[]::new);
            }
            for (CommandResult[] replica : results) {
                assertThat(replica[2].getError().getReason()).isEqualTo(CommandError.Reason.RESOURCE_EXHAUSTED);
                assertThat(replica[2].getError().getMessage()).contains("txn.success[1].request_put.prev_kv");
                assertThat(replica[3].getTxn().getSucceeded()).isTrue();
            }
            assertThat(results[0][3].getTxn().getResponses(0).getResponseRange().getKvsCount())
                    .isEqualTo(1);
            assertThat(results[1][3].getTxn().getResponses(0).getResponseRange().getKvsCount())
                    .isZero();
            assertThat(replicas[1].digest()).isEqualTo(replicas[0].digest());
            assertThat(replicas[1]
                            .range(Requests.range("b", "").build())
                            .getKvs(0)
                            .getValue()
                            .size())
                    .isEqualTo(big.length());
        }
    }
}
