package io.armada.client;

import java.util.List;

/** Keys read at one revision; {@code more} when the limit cut the result, {@code count} of all matching keys. */
public record RangeResult(List<KeyValue> kvs, boolean more, long count, long revision) {
    static RangeResult of(io.armada.api.v1.RangeResponse r) {
        return new RangeResult(r.getKvsList().stream().map(KeyValue::of).toList(), r.getMore(), r.getCount(),
                r.getHeader().getRevision());
    }
}
