package io.armada.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import io.armada.api.v1.ClusterGrpc;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.MaintenanceGrpc;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.TablesGrpc;
import io.armada.internal.v1.LogServiceGrpc;
import io.armada.internal.v1.MembersGrpc;
import io.armada.server.ArmadaServer;
import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fuzz test of the whole request surface (issue 14): requests generated from the descriptors of every
 * public and internal method — random field values, unknown enum numbers, extreme integers, repeated
 * fields past their limits, nested messages, and plain random bytes — sent to a real 3-node cluster.
 * Every answer must be a documented status whose message carries no stack trace, no node may stop
 * (the fatal handler fails the test), and every node must serve afterwards. Seeded: the seed is printed
 * and {@code -Dfuzz.seed=N} replays the same requests (their interleaving with Raft can differ).
 */
class RequestSurfaceFuzzTest {
    private static final int REQUESTS = 3_000;
    private static final int IN_FLIGHT = 16;
    private static final long CALL_DEADLINE_MILLIS = 2_000;
    /** What a client may be answered; INTERNAL and UNKNOWN are bugs. */
    private static final Set<Status.Code> DOCUMENTED = EnumSet.of(
            Status.Code.OK,
            Status.Code.INVALID_ARGUMENT,
            Status.Code.NOT_FOUND,
            Status.Code.ALREADY_EXISTS,
            Status.Code.FAILED_PRECONDITION,
            Status.Code.RESOURCE_EXHAUSTED,
            Status.Code.UNAVAILABLE,
            Status.Code.DEADLINE_EXCEEDED,
            Status.Code.UNIMPLEMENTED,
            Status.Code.OUT_OF_RANGE);

    private static final List<ServiceDescriptor> SERVICES = List.of(
            KVGrpc.getServiceDescriptor(),
            TablesGrpc.getServiceDescriptor(),
            ClusterGrpc.getServiceDescriptor(),
            MaintenanceGrpc.getServiceDescriptor(),
            LogServiceGrpc.getServiceDescriptor(),
            MembersGrpc.getServiceDescriptor());
    private static final String[] NAMES = {
        "fuzz",
        "fuzz",
        "fuzz",
        "",
        "t",
        "catalog",
        "a.b-c_d",
        "x".repeat(64),
        "x".repeat(65),
        "../etc",
        "ünïcode",
        "sp ace",
        "\u0000"
    };

    @TempDir
    Path dir;

    private final List<ArmadaServer> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(ArmadaServer::close);
    }

    /** One answer that breaks the rules, with what produced it. */
    private record Finding(String method, String request, Status status) {}

    @Test
    void everyGeneratedRequestGetsADocumentedStatusAndEveryNodeKeepsServing() throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("request surface fuzz: seed " + seed + " (replay with -Dfuzz.seed=" + seed + ")");
        Random random = new Random(seed);
        List<ServerConfig> configs =
                DevCluster.configs(dir, 3, FreePorts.basePort(3), ServerConfig.RaftSettings.defaults());
        for (ServerConfig c : configs) {
            // a small table quota: successful random creates stay few
            servers.add(ArmadaServer.start(c.withQuotas(new ServerConfig.Quotas(40)), fatal::set));
            channels.add(NettyChannelBuilder.forAddress(
                            "127.0.0.1", c.self().clientAddress().port())
                    .usePlaintext()
                    .maxInboundMessageSize(8 << 20)
                    .build());
        }
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> TablesGrpc.newBlockingStub(channels.get(0))
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .create(CreateTableRequest.newBuilder().setName("fuzz").build())
                        .hasTable());

        List<MethodDescriptor<?, ?>> methods = new ArrayList<>();
        SERVICES.forEach(s -> methods.addAll(s.getMethods()));
        ConcurrentLinkedQueue<Finding> findings = new ConcurrentLinkedQueue<>();
        Semaphore slots = new Semaphore(IN_FLIGHT);
        int[] byCode = new int[Status.Code.values().length];
        for (int i = 0; i < REQUESTS; i++) {
            MethodDescriptor<?, ?> method = methods.get(random.nextInt(methods.size()));
            byte[] body = body(method, random);
            ManagedChannel channel = channels.get(random.nextInt(channels.size()));
            slots.acquire();
            send(channel, method, body, random.nextInt(3) + 1, status -> {
                synchronized (byCode) {
                    byCode[status.getCode().ordinal()]++;
                }
                String description = status.getDescription() == null ? "" : status.getDescription();
                if (!DOCUMENTED.contains(status.getCode())
                        || description.contains("Exception")
                        || description.contains("\tat ")
                        || description.contains("java.")) {
                    findings.add(new Finding(
                            method.getFullMethodName(),
                            HexFormat.of().formatHex(body, 0, Math.min(body.length, 200)),
                            status));
                }
                slots.release();
            });
        }
        assertThat(slots.tryAcquire(IN_FLIGHT, 60, TimeUnit.SECONDS))
                .as("every call answered")
                .isTrue();
        StringBuilder codes = new StringBuilder();
        for (Status.Code code : Status.Code.values()) {
            if (byCode[code.ordinal()] > 0) {
                codes.append(code).append('=').append(byCode[code.ordinal()]).append(' ');
            }
        }
        System.out.println("request surface fuzz: " + REQUESTS + " requests: " + codes);

        assertThat(findings)
                .as("seed %d: answers outside the documented statuses or with internals", seed)
                .isEmpty();
        assertThat(fatal.get()).as("seed %d: a node's fatal handler ran", seed).isNull();
        // every node serves: a new table takes a write through each node and reads it back
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> TablesGrpc.newBlockingStub(channels.get(1))
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .create(CreateTableRequest.newBuilder().setName("alive").build())
                        .hasTable());
        for (int node = 0; node < channels.size(); node++) {
            ManagedChannel channel = channels.get(node);
            String key = "after-fuzz-" + node;
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
                    .until(() -> KVGrpc.newBlockingStub(channel)
                                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                                    .put(PutRequest.newBuilder()
                                            .setTable("alive")
                                            .setKey(ByteString.copyFromUtf8(key))
                                            .setValue(ByteString.copyFromUtf8("v"))
                                            .build())
                                    .getHeader()
                                    .getRevision()
                            > 0);
            assertThat(KVGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(5, TimeUnit.SECONDS)
                            .range(RangeRequest.newBuilder()
                                    .setTable("alive")
                                    .setKey(ByteString.copyFromUtf8(key))
                                    .setLinearizable(true)
                                    .build())
                            .getCount())
                    .isEqualTo(1);
        }
    }

    /** Sends {@code body} as the request of {@code method}; a stream is read for up to {@code messages} answers. */
    private static void send(
            ManagedChannel channel,
            MethodDescriptor<?, ?> method,
            byte[] body,
            int messages,
            java.util.function.Consumer<Status> done) {
        MethodDescriptor<byte[], byte[]> raw = method.toBuilder(BYTES, BYTES).build();
        ClientCall<byte[], byte[]> call = channel.newCall(
                raw, CallOptions.DEFAULT.withDeadlineAfter(CALL_DEADLINE_MILLIS, TimeUnit.MILLISECONDS));
        call.start(
                new ClientCall.Listener<>() {
                    int received;

                    @Override
                    public void onMessage(byte[] message) {
                        if (++received >= messages && !method.getType().serverSendsOneMessage()) {
                            call.cancel("fuzz: enough of this stream", null); // our own cancel: not a finding
                        } else {
                            call.request(1);
                        }
                    }

                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        boolean ownCancel = status.getCode() == Status.Code.CANCELLED && received >= messages;
                        done.accept(ownCancel ? Status.OK : status);
                    }
                },
                new Metadata());
        call.request(1);
        int sends = method.getType().clientSendsOneMessage() ? 1 : messages;
        for (int i = 0; i < sends; i++) {
            call.sendMessage(body);
        }
        call.halfClose();
    }

    /** A request body: mostly a message generated from the method's input type, sometimes random bytes. */
    private static byte[] body(MethodDescriptor<?, ?> method, Random random) {
        if (random.nextInt(10) == 0) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            return bytes;
        }
        Descriptors.Descriptor input = ((ProtoMethodDescriptorSupplier) method.getSchemaDescriptor())
                .getMethodDescriptor()
                .getInputType();
        return message(input, random, 0).toByteArray();
    }

    private static DynamicMessage message(Descriptors.Descriptor type, Random random, int depth) {
        DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
        for (Descriptors.FieldDescriptor field : type.getFields()) {
            if (random.nextInt(3) == 0) {
                continue; // absent
            }
            if (field.isRepeated()) {
                int n = switch (random.nextInt(10)) {
                    case 0 -> 130; // past MAX_TXN_OPS
                    case 1, 2 -> 0;
                    default -> 1 + random.nextInt(4);
                };
                if (field.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE && depth >= 3) {
                    n = Math.min(n, 1);
                }
                for (int i = 0; i < n; i++) {
                    Object v = value(field, random, depth);
                    if (v != null) {
                        b.addRepeatedField(field, v);
                    }
                }
            } else {
                Object v = value(field, random, depth);
                if (v != null) {
                    b.setField(field, v);
                }
            }
        }
        return b.build();
    }

    private static Object value(Descriptors.FieldDescriptor field, Random random, int depth) {
        return switch (field.getJavaType()) {
            case INT -> pick(random, 0, 1, -1, 2, 9, Integer.MAX_VALUE, Integer.MIN_VALUE, random.nextInt());
            case LONG ->
                pick(random, 0L, 1L, -1L, 2L, 3L, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE, random.nextLong(), (long)
                        random.nextInt(1_000));
            case FLOAT -> random.nextFloat();
            case DOUBLE -> random.nextDouble();
            case BOOLEAN -> random.nextBoolean();
            case STRING -> random.nextInt(4) == 0 ? randomString(random) : NAMES[random.nextInt(NAMES.length)];
            case BYTE_STRING -> bytes(random);
            case ENUM -> {
                var values = field.getEnumType().getValues();
                yield random.nextInt(3) == 0
                        ? field.getEnumType().findValueByNumberCreatingIfUnknown(pick(random, 9, 17, -1, 1 << 20, 99))
                        : values.get(random.nextInt(values.size()));
            }
            case MESSAGE -> depth >= 4 ? null : message(field.getMessageType(), random, depth + 1);
        };
    }

    private static ByteString bytes(Random random) {
        int length = switch (random.nextInt(20)) {
            case 0 -> 1025; // past MAX_KEY_BYTES
            case 1 -> 70_000;
            case 2, 3, 4 -> 0;
            default -> random.nextInt(12);
        };
        byte[] b = new byte[length];
        if (random.nextBoolean()) {
            random.nextBytes(b);
        } else {
            for (int i = 0; i < length; i++) {
                b[i] = (byte) ('a' + random.nextInt(4)); // small key space: ranges and compares meet
            }
        }
        return ByteString.copyFrom(b);
    }

    private static String randomString(Random random) {
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(80);
        for (int i = 0; i < n; i++) {
            s.appendCodePoint(random.nextInt(4) == 0 ? random.nextInt(0x2FFF) : 'a' + random.nextInt(26));
        }
        return s.toString();
    }

    @SafeVarargs
    private static <T> T pick(Random random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    };
}
