package io.armada.storage;

import com.google.protobuf.CodedOutputStream;
import io.armada.api.v1.KeyValue;

/**
 * The bytes of records one response may still carry. A record is counted as it is framed inside its
 * response (tag and length too), so a response of many tiny records cannot exceed the budget by its
 * framing alone.
 */
final class ResponseBudget {
    private final int limit;
    private long used;

    ResponseBudget(int limit) {
        this.limit = limit;
    }

    static long framedSize(KeyValue kv) {
        // every repeated KeyValue field of the responses (kvs, prev_kvs) has a one-byte tag
        return CodedOutputStream.computeMessageSize(1, kv);
    }

    /** Whether {@code kv} still fits; if so it is counted. */
    boolean tryAdd(KeyValue kv) {
        long size = framedSize(kv);
        if (used + size > limit) {
            return false;
        }
        used += size;
        return true;
    }

    /**
     * Counts {@code kv}, which the response must carry (a write's {@code prev_kv}): past the limit the
     * whole command fails, since leaving a previous record out would misstate what the write did.
     */
    void require(String field, KeyValue kv) {
        if (!tryAdd(kv)) {
            throw new ResponseTooLargeException(field + ": the previous records come to more than the limit of "
                    + limit + " bytes of a write's response; nothing was changed. Write without prev_kv, or in"
                    + " smaller ranges");
        }
    }

    int limit() {
        return limit;
    }
}
