/**
 * The QUIC transport ({@link io.armada.raft.transport.quic.QuicTransport}) on Netty's native quiche codec.
 *
 * <h2>Connections</h2>
 * One connection per node pair, always dialed by the lower node id; the higher id only accepts
 * (and refuses a connection from a higher id, which would break the rule). One side dialing means
 * there is never a pair of crossed connections to dedupe. The dialer's first stream is its control
 * stream, whose header is its hello: the acceptor uses a connection only once the hello arrived,
 * so a dial attempt the dialer abandoned (after {@code connectTimeoutMillis}) is never used. A
 * node that restarts and redials replaces its stale connection on the acceptor. The dialer redials after any failure or close with
 * exponential backoff and jitter, and sends a keep-alive ping on its control stream so quiet links
 * stay up; a crashed peer is noticed by QUIC's idle timeout.
 *
 * <h2>Identity</h2>
 * TLS 1.3 with client authentication: each side verifies the other's chain against the configured
 * authorities, and the leaf must name its node id ({@code urn:armada:node:<id>}, see
 * {@link io.armada.raft.transport.tls.NodeIdentity}). After the handshake the dialer checks the
 * certificate names the node it dialed; the acceptor checks it names a configured lower-id peer.
 * Every stream's header repeats the sender id, which must match the certificate.
 *
 * <h2>Streams and frames</h2>
 * Each side opens its own unidirectional stream per Raft group on first use (stream limit
 * {@code maxStreamsPerConnection}, 100,000 by default), plus the dialer's control stream. A
 * stream starts with a 22-byte header (magic, version, kind, sender id, group id) and carries
 * frames of a 4-byte length and the message; a frame over {@code maxFrameBytes} is a protocol
 * violation that closes the connection. QUIC orders bytes within a stream only, so one group's
 * large or stalled message never delays another group's.
 *
 * <h2>Sending</h2>
 * {@code send} reserves room in the peer's bounded queue (bytes and messages) and drops the message
 * (returning false) when there is no verified connection or no room. One drain task per event-loop
 * turn moves the queued messages to their groups; groups then write chunks of at most
 * {@code writeChunkBytes} and at most their stream's credit, taking turns, so small frames are
 * coalesced into one write, large messages are sliced, and Netty never holds more than one chunk per
 * stream. Netty's QUIC streams hand bytes to quiche on write (flush is a no-op), so the batching
 * happens here, per group and turn.
 */
package io.armada.raft.transport.quic;
