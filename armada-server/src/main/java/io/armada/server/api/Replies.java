package io.armada.server.api;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** Completes a unary gRPC call from a future, mapping every failure through {@link Errors}. */
final class Replies {
    private Replies() {}

    static <T> void reply(StreamObserver<T> observer, Supplier<CompletableFuture<T>> work) {
        CompletableFuture<T> future;
        try {
            future = work.get();
        } catch (RuntimeException e) {
            observer.onError(Errors.toStatus(e));
            return;
        }
        future.whenComplete((value, error) -> {
            try {
                if (error != null) {
                    observer.onError(Errors.toStatus(error));
                } else {
                    observer.onNext(value);
                    observer.onCompleted();
                }
            } catch (RuntimeException alreadyClosed) {
                // the client cancelled or its deadline passed; nobody is listening any more
            }
        });
    }
}
