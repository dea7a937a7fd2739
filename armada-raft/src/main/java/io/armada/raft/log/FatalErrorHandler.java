package io.armada.raft.log;

/**
 * Told when durable state can no longer be trusted (a failed write or fsync). Production wiring
 * stops the node: after a failed fsync the kernel may have dropped dirty pages, so retrying could
 * acknowledge data that is not on disk.
 */
@FunctionalInterface
public interface FatalErrorHandler {
    void onFatalError(Throwable cause);
}
