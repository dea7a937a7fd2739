package io.armada.client;

import io.armada.api.v1.Compare;

/**
 * One condition of a transaction, on a key's record as the transaction sees it (etcd semantics: a
 * missing key has version, create and mod revision 0 and compares unequal to every value).
 */
public record TxnCondition(byte[] key, Target target, Result result, byte[] value, long number) {
    /** What of the key's record is compared. */
    public enum Target {
        VALUE,
        VERSION,
        CREATE_REVISION,
        MOD_REVISION
    }

    /** How the record's field relates to the given operand for the condition to hold. */
    public enum Result {
        EQUAL,
        NOT_EQUAL,
        GREATER,
        LESS
    }

    public TxnCondition {
        if (key == null || target == null || result == null) {
            throw new IllegalArgumentException("key, target and result are required");
        }
        if ((target == Target.VALUE) != (value != null)) {
            throw new IllegalArgumentException("a value operand is given exactly when the target is VALUE");
        }
    }

    public static TxnCondition value(byte[] key, Result result, byte[] value) {
        return new TxnCondition(key, Target.VALUE, result, value, 0);
    }

    public static TxnCondition version(byte[] key, Result result, long version) {
        return new TxnCondition(key, Target.VERSION, result, null, version);
    }

    public static TxnCondition createRevision(byte[] key, Result result, long revision) {
        return new TxnCondition(key, Target.CREATE_REVISION, result, null, revision);
    }

    public static TxnCondition modRevision(byte[] key, Result result, long revision) {
        return new TxnCondition(key, Target.MOD_REVISION, result, null, revision);
    }

    /** The key does not exist (its version is 0). */
    public static TxnCondition absent(byte[] key) {
        return version(key, Result.EQUAL, 0);
    }

    Compare toProto() {
        var b = Compare.newBuilder()
                .setKey(com.google.protobuf.ByteString.copyFrom(key))
                .setResult(Compare.CompareResult.valueOf(result.name()));
        return switch (target) {
            case VALUE ->
                b.setTarget(Compare.CompareTarget.VALUE)
                        .setValue(com.google.protobuf.ByteString.copyFrom(value))
                        .build();
            case VERSION ->
                b.setTarget(Compare.CompareTarget.VERSION).setVersion(number).build();
            case CREATE_REVISION ->
                b.setTarget(Compare.CompareTarget.CREATE)
                        .setCreateRevision(number)
                        .build();
            case MOD_REVISION ->
                b.setTarget(Compare.CompareTarget.MOD).setModRevision(number).build();
        };
    }
}
