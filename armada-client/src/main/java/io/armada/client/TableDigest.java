package io.armada.client;

/**
 * One node's digest of a table: SHA-256 (hex) over the table's revision and every key with its
 * value, version and revisions.
 *
 * @param memberId the node that computed it
 * @param revision the table revision the digest covers
 */
public record TableDigest(long memberId, long revision, String sha256) {}
