/**
 * Node certificates for the transport: material from PEM files or memory
 * ({@link io.armada.raft.transport.tls.TlsMaterial}), the node id a certificate names
 * ({@link io.armada.raft.transport.tls.NodeIdentity}), chain verification that says why a peer was
 * refused ({@link io.armada.raft.transport.tls.PeerTrustManager}), and a development authority
 * ({@link io.armada.raft.transport.tls.SelfSignedCertificates}).
 */
package io.armada.raft.transport.tls;
