package io.armada.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostPortTest {
    @Test
    void parsesAHostNameAnIpv4AddressAndABracketedIpv6Address() {
        assertThat(HostPort.parse("node-1.example:7000")).isEqualTo(new HostPort("node-1.example", 7000));
        assertThat(HostPort.parse("127.0.0.1:0")).isEqualTo(new HostPort("127.0.0.1", 0));
        HostPort v6 = HostPort.parse("[::1]:7001");
        assertThat(v6).isEqualTo(new HostPort("::1", 7001));
        assertThat(v6.toString()).isEqualTo("[::1]:7001");
    }

    @Test
    void refusesAnUnbracketedIpv6AddressWhosePortCannotBeTold() {
        // "::1:7001" could be the address ::1:7001 with no port or ::1 with port 7001: refused, not guessed
        assertThatThrownBy(() -> HostPort.parse("::1:7001"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'::1:7001' is not host:port");
    }

    @Test
    void refusesAMissingAnOutOfRangeOrANonNumericPortNamingTheText() {
        assertThatThrownBy(() -> HostPort.parse("node-1")).hasMessageContaining("'node-1' is not host:port: the port");
        assertThatThrownBy(() -> HostPort.parse("node-1:")).hasMessageContaining("'node-1:' is not host:port");
        assertThatThrownBy(() -> HostPort.parse("node-1:65536"))
                .hasMessageContaining("'node-1:65536' is not host:port");
        assertThatThrownBy(() -> HostPort.parse("node-1:http")).hasMessageContaining("'node-1:http' is not host:port");
        assertThatThrownBy(() -> HostPort.parse(":7000")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HostPort.parse(null)).hasMessageContaining("is not host:port");
    }
}
