package io.armada.server.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.DeleteTableRequest;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.ListTablesRequest;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.TableInfo;
import io.armada.api.v1.TablesGrpc;
import io.armada.server.ops.Failpoints;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a table's delete is acknowledged, no write to it may be (issue 13, finding 6). Two of three
 * members are held where a member is before it applies the catalog's delete ({@code table-removal-hold}):
 * they still serve the table by name and form a quorum of its group. Deleting through the third,
 * writes through them must fail — they did not before the delete retired the table in its own group.
 */
class DeletedTableWritesTest {
    private static final Map<String, String> FAILPOINTS = Map.of(Failpoints.ENVIRONMENT_VARIABLE, "enabled");

    @TempDir
    Path dir;

    private ProcessCluster cluster;

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void noWriteThroughMembersThatHaveNotAppliedTheDeleteIsAcknowledgedAfterIt() throws Exception {
        cluster = ProcessCluster.start(dir, 3, FAILPOINTS);
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> tables(0)
                        .create(CreateTableRequest.newBuilder().setName("t").build())
                        .hasTable());
        for (int node = 0; node < 3; node++) {
            int through = node;
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> put(through, "warm-up") > 0);
        }
        cluster.node(1).setFailpoint(Failpoints.TABLE_REMOVAL_HOLD, "true");
        cluster.node(2).setFailpoint(Failpoints.TABLE_REMOVAL_HOLD, "true");

        tables(0).delete(DeleteTableRequest.newBuilder().setName("t").build());

        for (int node = 1; node < 3; node++) {
            int through = node;
            // the held members still list the table; its group may first elect a leader among them
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                try {
                    long revision = put(through, "after-delete");
                    fail(
                            "a write through member %d was acknowledged at revision %d after the delete",
                            through + 1, revision);
                } catch (StatusRuntimeException e) {
                    // the retired group's answer; before it, a forward may land on the member that removed the table
                    // (NOT_FOUND, does not exist) or find no leader (UNAVAILABLE)
                    if (e.getStatus().getCode() == Status.Code.NOT_FOUND
                            && e.getStatus().getDescription().contains("table 't' was deleted")) {
                        return true;
                    }
                    assertThat(e.getStatus().getCode())
                            .as("%s", e.getStatus())
                            .isIn(Status.Code.UNAVAILABLE, Status.Code.NOT_FOUND);
                }
                return false;
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> readCode(through) == Status.Code.NOT_FOUND);
        }

        cluster.node(1).setFailpoint(Failpoints.TABLE_REMOVAL_HOLD, "false");
        cluster.node(2).setFailpoint(Failpoints.TABLE_REMOVAL_HOLD, "false");
        for (int node = 0; node < 3; node++) {
            int through = node;
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> tables(through).list(ListTablesRequest.getDefaultInstance()).getTablesList().stream()
                            .map(TableInfo::getName)
                            .noneMatch("t"::equals));
        }
        // the name is free again: a new table under it takes writes
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> tables(0)
                        .create(CreateTableRequest.newBuilder().setName("t").build())
                        .hasTable());
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> put(1, "new table") > 0);
    }

    private TablesGrpc.TablesBlockingStub tables(int node) {
        return TablesGrpc.newBlockingStub(cluster.channel(node)).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private long put(int node, String key) {
        return KVGrpc.newBlockingStub(cluster.channel(node))
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .put(PutRequest.newBuilder()
                        .setTable("t")
                        .setKey(ByteString.copyFromUtf8(key))
                        .setValue(ByteString.copyFromUtf8("v"))
                        .build())
                .getHeader()
                .getRevision();
    }

    private Status.Code readCode(int node) {
        try {
            KVGrpc.newBlockingStub(cluster.channel(node))
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .range(RangeRequest.newBuilder()
                            .setTable("t")
                            .setKey(ByteString.copyFromUtf8("warm-up"))
                            .build());
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }
}
