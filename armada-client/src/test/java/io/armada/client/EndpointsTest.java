package io.armada.client;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointsTest {
    @Test
    void anEndpointWithoutAPortOrWithAnAmbiguousIpv6AddressIsRefusedNamingIt() {
        assertThatThrownBy(() -> new ArmadaClient(List.of("localhost"), Duration.ofSeconds(1), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("endpoints: 'localhost' is not host:port: the port is missing");
        assertThatThrownBy(() -> new ArmadaClient(List.of("127.0.0.1:2379", "::1:2379"), Duration.ofSeconds(1), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("endpoints: '::1:2379' is not host:port");
        assertThatThrownBy(() -> new ArmadaClient(List.of("localhost:70000"), Duration.ofSeconds(1), null))
                .hasMessageContaining("endpoints: 'localhost:70000' is not host:port");
    }

    @Test
    void aBracketedIpv6EndpointIsAccepted() {
        assertThatCode(() -> new ArmadaClient(List.of("[::1]:2379"), Duration.ofSeconds(1), null).close())
                .doesNotThrowAnyException();
    }
}
