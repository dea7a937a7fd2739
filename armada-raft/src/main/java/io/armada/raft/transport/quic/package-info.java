/**
 * The QUIC transport ({@link io.armada.raft.transport.quic.QuicTransport}) on Netty's native quiche codec.
 *
 * <h2>Connections</h2>
 * One connection per node pair, always dialed by the lower node id; the higher id only accepts
 * (and refuses a connection from a higher id, which would break the rule). One side dialing means
 * there is never a pair of crossed connections to dedupe. The dialer's first stream is its control
 * stream, whose first frame is its {@link io.armada.raft.transport.quic.Hello} (cluster name,
 * sender and receiver ids). The acceptor checks it, then uses the connection and answers with its
 * own hello on its own control stream; the dialer uses the connection only once that answer
 * arrives. So a dial attempt the dialer abandoned (after {@code connectTimeoutMillis}) is never
 * used, and a connection the acceptor refused (closing it with {@code IDENTITY_REJECTED} or
 * {@code CLUSTER_MISMATCH}) counts as a failed dial: the backoff resets only on an accepted
 * connection, so a refused node redials at the backoff's pace, not the initial delay's. A node that
 * restarts and redials replaces its stale connection on the acceptor. The dialer redials after any
 * failure or close with exponential backoff and jitter, and sends a keep-alive ping on its control
 * stream so quiet links stay up; a crashed peer is noticed by QUIC's idle timeout. Warnings about
 * refused peers and protocol violations are rate-limited (one per kind per 10 s, with a count).
 *
 * <h2>Identity</h2>
 * TLS 1.3 with client authentication: each side verifies the other's chain against the configured
 * authorities, and the leaf must name its node id ({@code urn:armada:node:<id>}) and its cluster
 * ({@code urn:armada:cluster:<cluster-name>}, see {@link io.armada.raft.transport.tls.NodeIdentity}).
 * After the handshake both sides check the certificate names this node's cluster (else
 * {@code CLUSTER_MISMATCH}), the dialer that it names the node it dialed, the acceptor that it
 * names a configured lower-id peer; the hellos repeat the cluster and ids. A node of another
 * cluster holding a certificate from the same authority is thus refused, as etcd refuses peer
 * traffic with another cluster id. A node whose own certificate does not name its node id and
 * cluster does not start.
 * Every stream's header repeats the sender id, which must match the certificate.
 *
 * <h2>Streams and frames</h2>
 * Each side opens its own unidirectional stream per Raft group on first use (stream limit
 * {@code maxStreamsPerConnection}, 100,000 by default), plus a control stream (hello, and the
 * dialer's pings; frames on it are at most {@code Hello.MAX_BYTES}). A
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
