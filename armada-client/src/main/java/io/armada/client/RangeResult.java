package io.armada.client;

import io.armada.api.v1.RangeResponse;
import java.util.List;

/** Keys read at one revision; {@code more} when the limit cut the result, {@code count} of all matching keys. */
public record RangeResult(List<KeyRecord> kvs, boolean more, long count, long revision) {
    static RangeResult of(RangeResponse r) {
        return new RangeResult(
                r.getKvsList().stream().map(KeyRecord::of).toList(),
                r.getMore(),
                r.getCount(),
                r.getHeader().getRevision());
    }
}
