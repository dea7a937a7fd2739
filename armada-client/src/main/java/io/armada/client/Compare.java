package io.armada.client;

/**
 * One condition of a transaction, on a key's record as the transaction sees it (etcd semantics: a
 * missing key has version, create and mod revision 0 and compares unequal to every value).
 */
public record Compare(byte[] key, Target target, Result result, byte[] value, long number) {
    /** What of the key's record is compared. */
    public enum Target { VALUE, VERSION, CREATE_REVISION, MOD_REVISION }

    /** How the record's field relates to the given operand for the condition to hold. */
    public enum Result { EQUAL, NOT_EQUAL, GREATER, LESS }

    public Compare {
        if (key == null || target == null || result == null) {
            throw new IllegalArgumentException("key, target and result are required");
        }
        if ((target == Target.VALUE) != (value != null)) {
            throw new IllegalArgumentException("a value operand is given exactly when the target is VALUE");
        }
    }

    public static Compare value(byte[] key, Result result, byte[] value) {
        return new Compare(key, Target.VALUE, result, value, 0);
    }

    public static Compare version(byte[] key, Result result, long version) {
        return new Compare(key, Target.VERSION, result, null, version);
    }

    public static Compare createRevision(byte[] key, Result result, long revision) {
        return new Compare(key, Target.CREATE_REVISION, result, null, revision);
    }

    public static Compare modRevision(byte[] key, Result result, long revision) {
        return new Compare(key, Target.MOD_REVISION, result, null, revision);
    }

    /** The key does not exist (its version is 0). */
    public static Compare absent(byte[] key) {
        return version(key, Result.EQUAL, 0);
    }

    io.armada.api.v1.Compare toProto() {
        var b = io.armada.api.v1.Compare.newBuilder().setKey(com.google.protobuf.ByteString.copyFrom(key))
                .setResult(io.armada.api.v1.Compare.CompareResult.valueOf(result.name()));
        return switch (target) {
            case VALUE -> b.setTarget(io.armada.api.v1.Compare.CompareTarget.VALUE)
                    .setValue(com.google.protobuf.ByteString.copyFrom(value)).build();
            case VERSION -> b.setTarget(io.armada.api.v1.Compare.CompareTarget.VERSION).setVersion(number).build();
            case CREATE_REVISION -> b.setTarget(io.armada.api.v1.Compare.CompareTarget.CREATE)
                    .setCreateRevision(number).build();
            case MOD_REVISION -> b.setTarget(io.armada.api.v1.Compare.CompareTarget.MOD).setModRevision(number).build();
        };
    }
}
