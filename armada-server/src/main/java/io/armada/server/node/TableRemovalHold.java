package io.armada.server.node;

/**
 * A failpoint of the node ({@code table-removal-hold}): while held, the node keeps serving the
 * tables the catalog dropped, as a member that has not yet applied the catalog's delete does. Lets a
 * test hold two members in that state and check that a write through them to a table whose delete
 * was acknowledged fails. Released, the node removes what the catalog dropped.
 */
public final class TableRemovalHold {
    private final Runnable onRelease;
    private volatile boolean held;

    TableRemovalHold(Runnable onRelease) {
        this.onRelease = onRelease;
    }

    public boolean held() {
        return held;
    }

    public void set(boolean hold) {
        held = hold;
        if (!hold) {
            onRelease.run();
        }
    }
}
