package io.armada.server.api;

import io.armada.api.v1.CreateTableResponse;
import io.armada.api.v1.DeleteRangeResponse;
import io.armada.api.v1.DeleteTableResponse;
import io.armada.api.v1.PutResponse;
import io.armada.api.v1.ResponseHeader;
import io.armada.api.v1.TxnResponse;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * How a write's response carries its {@link ResponseHeader}, read and replaced through the generated
 * accessors: {@link Router} rewrites the header of an answer it forwarded (the member the client
 * called, or on a follower cluster this cluster's own view) without looking a field named "header" up
 * by protobuf reflection.
 *
 * @param get the response's header, or null when it has none
 * @param set the response with its header replaced
 */
record ReplyHeader<T>(Function<T, ResponseHeader> get, BiFunction<T, ResponseHeader, T> set) {
    static final ReplyHeader<PutResponse> PUT = new ReplyHeader<>(
            r -> r.hasHeader() ? r.getHeader() : null,
            (r, h) -> r.toBuilder().setHeader(h).build());
    static final ReplyHeader<DeleteRangeResponse> DELETE_RANGE = new ReplyHeader<>(
            r -> r.hasHeader() ? r.getHeader() : null,
            (r, h) -> r.toBuilder().setHeader(h).build());
    static final ReplyHeader<TxnResponse> TXN = new ReplyHeader<>(
            r -> r.hasHeader() ? r.getHeader() : null,
            (r, h) -> r.toBuilder().setHeader(h).build());
    static final ReplyHeader<CreateTableResponse> CREATE_TABLE = new ReplyHeader<>(
            r -> r.hasHeader() ? r.getHeader() : null,
            (r, h) -> r.toBuilder().setHeader(h).build());
    static final ReplyHeader<DeleteTableResponse> DELETE_TABLE = new ReplyHeader<>(
            r -> r.hasHeader() ? r.getHeader() : null,
            (r, h) -> r.toBuilder().setHeader(h).build());

    /** A response without a header (an internal step of a table's deletion): nothing to read or replace. */
    static <T> ReplyHeader<T> none() {
        return new ReplyHeader<>(r -> null, (r, h) -> r);
    }

    /** The revision the response's header names; 0 without a header. */
    long revision(T response) {
        ResponseHeader h = get.apply(response);
        return h == null ? 0 : h.getRevision();
    }

    /**
     * The response with {@code header.member_id} naming the member the client called (etcd's
     * meaning); the leader's own view of the group (leader id, term) stays, as it is the freshest.
     */
    T answeredBy(T response, long memberId) {
        ResponseHeader h = get.apply(response);
        return h == null
                ? response
                : set.apply(response, h.toBuilder().setMemberId(memberId).build());
    }

    /** The response with {@code header} instead of its own; unchanged without a header. */
    T withHeader(T response, ResponseHeader header) {
        return get.apply(response) == null ? response : set.apply(response, header);
    }
}
