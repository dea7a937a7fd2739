package io.armada.testkit.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy relays both ways, cuts open connections, refuses new ones while cut, and relays again after restore. */
class TcpProxyTest {
    private ServerSocket echo;
    private Thread echoThread;

    @BeforeEach
    void startEcho() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        echoThread = Thread.ofPlatform().daemon().start(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread.ofPlatform().daemon().start(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());
                        } catch (IOException e) {
                            // the proxy reset it
                        }
                    });
                } catch (IOException e) {
                    // closed
                }
            }
        });
    }

    @AfterEach
    void stopEcho() throws Exception {
        echo.close();
        echoThread.join();
    }

    private static String roundTrip(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes());
        out.flush();
        InputStream in = s.getInputStream();
        byte[] got = in.readNBytes(text.length());
        if (got.length < text.length()) {
            throw new IOException("connection ended after " + got.length + " bytes");
        }
        return new String(got);
    }

    @Test
    void cutClosesAndRefusesUntilRestored() throws Exception {
        try (TcpProxy proxy =
                new TcpProxy(new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.getLocalPort()), "test")) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                assertThat(roundTrip(s, "hello")).isEqualTo("hello");
                proxy.cut();
                s.setSoTimeout(5_000); // a cut that left the connection open would time out, which is not a reset
                assertThatThrownBy(() -> roundTrip(s, "lost"))
                        .isInstanceOf(IOException.class)
                        .isNotInstanceOf(SocketTimeoutException.class);
            }
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                s.setSoTimeout(5_000);
                assertThatThrownBy(() -> roundTrip(s, "refused"))
                        .isInstanceOf(IOException.class)
                        .isNotInstanceOf(SocketTimeoutException.class);
            }
            proxy.restore();
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                assertThat(roundTrip(s, "again")).isEqualTo("again");
            }
        }
    }

    @Test
    void aDownTargetIsADownPath() throws Exception {
        int unused;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            unused = free.getLocalPort();
        }
        try (TcpProxy proxy = new TcpProxy(new InetSocketAddress(InetAddress.getLoopbackAddress(), unused), "down");
                Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            s.setSoTimeout(5_000);
            assertThatThrownBy(() -> roundTrip(s, "nobody"))
                    .isInstanceOf(IOException.class)
                    .isNotInstanceOf(SocketTimeoutException.class);
        }
    }
}
