package io.armada.server.api;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Sends the pages of one server-streaming call as fast as the client takes them, never blocking a
 * thread: a page is produced only while the call is ready (gRPC's flow-control window has room and
 * less than its 32 KiB send buffer is queued), the rest waits in the source (a RocksDB snapshot), not
 * in memory. A reader that takes nothing for {@link Settings#stallTimeoutMillis} is cut off with
 * DEADLINE_EXCEEDED. The source is closed exactly once: when the stream ends, fails, stalls or is
 * cancelled by the client.
 *
 * @param <T> the response message
 */
public final class PacedStream<T> {
    /**
     * A cancellable parent of the call's context ({@link StreamCutOff} puts it there). Ending a stalled
     * stream with a status is not enough: the status waits behind the unread data and the stream
     * stays open on the wire. Cancelling this context with DEADLINE_EXCEEDED makes gRPC reset the
     * stream (RST_STREAM), which frees its buffers at once, as when a client's deadline passes.
     */
    static final Context.Key<Context.CancellableContext> CALL_CONTEXT = Context.key("armada-streaming-call");

    /**
     * What every paced stream of a node shares.
     *
     * @param timer runs the stall checks
     * @param executor where pages are produced when a stream starts (never a Raft worker)
     * @param stallTimeoutMillis how long a stream may stay unready (its reader taking nothing) before it is ended
     */
    public record Settings(ScheduledExecutorService timer, Executor executor, long stallTimeoutMillis) {
        public Settings {
            if (stallTimeoutMillis < 1) {
                throw new IllegalArgumentException("stallTimeoutMillis: " + stallTimeoutMillis + " must be positive");
            }
        }
    }

    /** The pages of a stream, read lazily; {@link #close} releases what they hold. */
    public interface Pages<T> {
        boolean hasNext();

        T next();

        void close();
    }

    private final ServerCallStreamObserver<T> out;
    private final Settings settings;
    private final Function<Throwable, StatusRuntimeException> toStatus;
    private final String what;
    private Pages<T> pages;
    private boolean finished;
    /** When the call last turned unready with pages left (System.nanoTime), 0 before that first happens. */
    private long unreadySinceNanos;

    private ScheduledFuture<?> stallCheck;
    private final Context.CancellableContext callContext = CALL_CONTEXT.get();

    /**
     * Takes over {@code out}: call in the service method itself (gRPC requires its handlers to be
     * set before the method returns), then {@link #start} or {@link #fail}.
     *
     * @param what names the stream in the stall message, e.g. "IterateRange of table 'users'"
     * @param toStatus the status a failure of the source is answered with
     */
    public PacedStream(
            ServerCallStreamObserver<T> out,
            Settings settings,
            String what,
            Function<Throwable, StatusRuntimeException> toStatus) {
        this.out = out;
        this.settings = settings;
        this.what = what;
        this.toStatus = toStatus;
        out.setOnCancelHandler(this::cancelled);
        out.setOnReadyHandler(this::drain);
    }

    /** Opens the pages on the settings' executor and sends them; nothing happens if the stream has ended already. */
    public void start(Supplier<Pages<T>> open) {
        settings.executor().execute(() -> open(open));
    }

    private synchronized void open(Supplier<Pages<T>> open) {
        if (finished) {
            return; // cancelled while waiting to start
        }
        try {
            pages = open.get();
        } catch (RuntimeException e) {
            fail(e);
            return;
        }
        long period = Math.max(1, settings.stallTimeoutMillis() / 4);
        stallCheck = settings.timer().scheduleWithFixedDelay(this::checkStalled, period, period, TimeUnit.MILLISECONDS);
        drain();
    }

    private synchronized void drain() {
        if (finished || pages == null) {
            return;
        }
        try {
            boolean sent = false;
            while (out.isReady() && pages.hasNext()) {
                out.onNext(pages.next());
                sent = true;
            }
            if (!pages.hasNext()) {
                release();
                out.onCompleted();
            } else if (sent || unreadySinceNanos == 0) {
                // pages are left, so the call is unready (its window is full): the stall clock runs from
                // the last page the client made room for
                unreadySinceNanos = System.nanoTime();
            }
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private synchronized void checkStalled() {
        if (finished || unreadySinceNanos == 0 || out.isReady()) { // ready: onReady is on its way
            return;
        }
        long stalledMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - unreadySinceNanos);
        if (stalledMillis >= settings.stallTimeoutMillis()) {
            release();
            StatusRuntimeException stalled = Status.DEADLINE_EXCEEDED
                    .withDescription(what + ": the client read"
                            + " nothing for " + stalledMillis + " ms (limit " + settings.stallTimeoutMillis()
                            + " ms, Limits.STREAM_STALL_TIMEOUT_MILLIS); the stream is ended")
                    .asRuntimeException();
            if (callContext != null) {
                callContext.cancel(stalled); // resets the stream on the wire (see CALL_CONTEXT)
            } else {
                out.onError(stalled);
            }
        }
    }

    /** Ends the stream with {@code failure}'s status, unless it has ended already. */
    public synchronized void fail(Throwable failure) {
        if (!finished) {
            release();
            out.onError(toStatus.apply(failure));
        }
    }

    private synchronized void cancelled() {
        release();
    }

    private void release() {
        finished = true;
        if (stallCheck != null) {
            stallCheck.cancel(false);
            stallCheck = null;
        }
        if (pages != null) {
            pages.close();
            pages = null;
        }
    }
}
