package io.armada.storage;

import io.armada.api.v1.Compare;
import io.armada.api.v1.DeleteRangeRequest;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RequestOp;
import io.armada.api.v1.TxnRequest;
import io.armada.internal.v1.Command;
import io.armada.proto.Limits;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Checks requests against the armada.v1 contract and {@link Limits} before anything is proposed.
 * Every message names the field and the limit, e.g. {@code "key: 2048 bytes exceeds the limit of
 * 1024"}.
 */
public final class CommandValidator {
    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    private CommandValidator() {}

    public static void validateTableName(String field, String name) {
        if (name.isEmpty()) {
            throw new InvalidRequestException(field + ": a table name is required");
        }
        if (name.length() > Limits.MAX_TABLE_NAME_BYTES) {
            throw new InvalidRequestException(
                    field + ": " + name.length() + " bytes exceeds the limit of " + Limits.MAX_TABLE_NAME_BYTES);
        }
        if (!TABLE_NAME.matcher(name).matches()) {
            throw new InvalidRequestException(field + ": '" + name + "' may only contain [A-Za-z0-9_.-]");
        }
    }

    public static void validate(Command command) {
        switch (command.getOpCase()) {
            case PUT -> validate("put", command.getPut());
            case DELETE_RANGE -> validate("delete_range", command.getDeleteRange());
            case TXN -> validate(command.getTxn());
            case RETIRE -> {} // carries nothing
            case OP_NOT_SET -> throw new InvalidRequestException("command: no operation set");
        }
    }

    public static void validate(String field, PutRequest put) {
        key(field + ".key", put.getKey().toByteArray());
        if (put.getValue().size() > Limits.MAX_VALUE_BYTES) {
            throw new InvalidRequestException(field + ".value: "
                    + put.getValue().size() + " bytes exceeds the limit of " + Limits.MAX_VALUE_BYTES);
        }
    }

    public static void validate(String field, DeleteRangeRequest delete) {
        range(field, delete.getKey().toByteArray(), delete.getRangeEnd().toByteArray());
    }

    public static void validate(String field, RangeRequest range) {
        range(field, range.getKey().toByteArray(), range.getRangeEnd().toByteArray());
        if (range.getLimit() < 0) {
            throw new InvalidRequestException(field + ".limit: " + range.getLimit() + " is negative");
        }
        nonNegative(field + ".min_mod_revision", range.getMinModRevision());
        nonNegative(field + ".max_mod_revision", range.getMaxModRevision());
        nonNegative(field + ".min_create_revision", range.getMinCreateRevision());
        nonNegative(field + ".max_create_revision", range.getMaxCreateRevision());
        nonNegative(field + ".min_revision", range.getMinRevision());
    }

    public static void validate(TxnRequest txn) {
        checkCount("txn.compare", txn.getCompareCount());
        checkCount("txn.success", txn.getSuccessCount());
        checkCount("txn.failure", txn.getFailureCount());
        for (int i = 0; i < txn.getCompareCount(); i++) {
            Compare c = txn.getCompare(i);
            String field = "txn.compare[" + i + "]";
            byte[] key = c.getKey().toByteArray();
            if (c.getRangeEnd().isEmpty()) {
                key(field + ".key", key);
            } else {
                range(field, key, c.getRangeEnd().toByteArray());
            }
            if (c.getResult() == Compare.CompareResult.UNRECOGNIZED) {
                throw new InvalidRequestException(field + ".result: " + c.getResultValue()
                        + " is not a compare result (EQUAL 0, GREATER 1, LESS 2, NOT_EQUAL 3)");
            }
            if (c.getTarget() == Compare.CompareTarget.UNRECOGNIZED) {
                throw new InvalidRequestException(field + ".target: " + c.getTargetValue()
                        + " is not a compare target (VERSION 0, CREATE 1, MOD 2, VALUE 3)");
            }
            if (c.getTargetUnionCase() == Compare.TargetUnionCase.TARGETUNION_NOT_SET) {
                throw new InvalidRequestException(field + ": no target value set");
            }
            Compare.TargetUnionCase expected = switch (c.getTarget()) {
                case VERSION -> Compare.TargetUnionCase.VERSION;
                case CREATE -> Compare.TargetUnionCase.CREATE_REVISION;
                case MOD -> Compare.TargetUnionCase.MOD_REVISION;
                case VALUE -> Compare.TargetUnionCase.VALUE;
                case UNRECOGNIZED -> throw new AssertionError("checked above");
            };
            if (c.getTargetUnionCase() != expected) {
                throw new InvalidRequestException(field + ": target " + c.getTarget() + " compares "
                        + expected.name().toLowerCase(java.util.Locale.ROOT) + ", but "
                        + c.getTargetUnionCase().name().toLowerCase(java.util.Locale.ROOT) + " is set");
            }
        }
        ops("txn.success", txn.getTable(), txn.getSuccessList());
        ops("txn.failure", txn.getTable(), txn.getFailureList());
    }

    private static void ops(String field, String table, List<RequestOp> ops) {
        for (int i = 0; i < ops.size(); i++) {
            RequestOp op = ops.get(i);
            String f = field + "[" + i + "]";
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> {
                    sameTable(
                            f + ".request_range.table",
                            table,
                            op.getRequestRange().getTable());
                    validate(f + ".request_range", op.getRequestRange());
                }
                case REQUEST_PUT -> {
                    sameTable(
                            f + ".request_put.table", table, op.getRequestPut().getTable());
                    validate(f + ".request_put", op.getRequestPut());
                }
                case REQUEST_DELETE_RANGE -> {
                    sameTable(
                            f + ".request_delete_range.table",
                            table,
                            op.getRequestDeleteRange().getTable());
                    validate(f + ".request_delete_range", op.getRequestDeleteRange());
                }
                case REQUEST_NOT_SET -> throw new InvalidRequestException(f + ": no operation set");
            }
        }
    }

    private static void sameTable(String field, String txnTable, String opTable) {
        if (!opTable.isEmpty() && !opTable.equals(txnTable)) {
            throw new InvalidRequestException(field + ": '" + opTable + "' differs from the txn's table '" + txnTable
                    + "'; a transaction is scoped to one table");
        }
    }

    private static void checkCount(String field, int count) {
        if (count > Limits.MAX_TXN_OPS) {
            throw new InvalidRequestException(
                    field + ": " + count + " entries exceeds the limit of " + Limits.MAX_TXN_OPS);
        }
    }

    private static void key(String field, byte[] key) {
        if (key.length == 0) {
            throw new InvalidRequestException(field + ": a non-empty key is required");
        }
        if (key.length > Limits.MAX_KEY_BYTES) {
            throw new InvalidRequestException(
                    field + ": " + key.length + " bytes exceeds the limit of " + Limits.MAX_KEY_BYTES);
        }
    }

    private static void range(String field, byte[] key, byte[] rangeEnd) {
        key(field + ".key", key);
        if (rangeEnd.length > Limits.MAX_KEY_BYTES) {
            throw new InvalidRequestException(
                    field + ".range_end: " + rangeEnd.length + " bytes exceeds the limit of " + Limits.MAX_KEY_BYTES);
        }
        boolean toEnd = rangeEnd.length == 1 && rangeEnd[0] == 0;
        if (rangeEnd.length > 0 && !toEnd && Arrays.compareUnsigned(rangeEnd, key) <= 0) {
            throw new InvalidRequestException(field + ".range_end: must be greater than key (or empty for one key, "
                    + "or \"\\0\" for every key from key on)");
        }
    }

    private static void nonNegative(String field, long value) {
        if (value < 0) {
            throw new InvalidRequestException(field + ": " + value + " is negative");
        }
    }
}
