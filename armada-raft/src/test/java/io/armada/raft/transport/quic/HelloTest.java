package io.armada.raft.transport.quic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class HelloTest {
    @Test
    void aHelloRoundTripsAndFitsItsLimit() {
        Hello hello = new Hello("x".repeat(63), 7, -2);
        byte[] wire = hello.encode();
        assertThat(wire).hasSize(Hello.MAX_BYTES);
        assertThat(Hello.decode(wire)).isEqualTo(hello);
    }

    @Test
    void aMalformedHelloBreaksTheProtocol() {
        byte[] wire = new Hello("prod", 1, 2).encode();
        for (byte[] bad : new byte[][] {
            new byte[0],
            Arrays.copyOf(wire, wire.length - 1),
            Arrays.copyOf(wire, wire.length + 1),
            new byte[Hello.MAX_BYTES + 1]
        }) {
            assertThatThrownBy(() -> Hello.decode(bad))
                    .isInstanceOf(StreamHeader.ProtocolViolation.class)
                    .hasMessageContaining("malformed hello");
        }
        byte[] badName = wire.clone();
        badName[17] = ':';
        assertThatThrownBy(() -> Hello.decode(badName))
                .isInstanceOf(StreamHeader.ProtocolViolation.class)
                .hasMessageContaining("cluster name");
    }
}
