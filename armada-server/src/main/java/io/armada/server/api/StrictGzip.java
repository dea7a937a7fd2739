package io.armada.server.api;

import io.grpc.Decompressor;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * gRPC's gzip decompression, deferred to the first read. gRPC's own gzip reads the gzip header as
 * soon as a message arrives, before any service code, and a body that is not gzip fails the call as
 * UNKNOWN with no message. Deferred, the header is read while {@link StrictRequestParsing} parses
 * the request, and a bad body fails with {@link NotGzipException}, which it answers as INVALID_ARGUMENT.
 * gRPC still enforces the decompressed size limit around this stream.
 */
final class StrictGzip implements Decompressor {
    /** A request body that claims gzip and is not. */
    static final class NotGzipException extends RuntimeException {
        NotGzipException(IOException cause) {
            super(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage(), cause);
        }
    }

    @Override
    public String getMessageEncoding() {
        return "gzip";
    }

    @Override
    public InputStream decompress(InputStream compressed) {
        return new InputStream() {
            private InputStream gzip;

            private InputStream gzip() {
                if (gzip == null) {
                    try {
                        gzip = new GZIPInputStream(compressed);
                    } catch (IOException e) {
                        throw new NotGzipException(e);
                    }
                }
                return gzip;
            }

            @Override
            public int read() {
                try {
                    return gzip().read();
                } catch (IOException e) {
                    throw new NotGzipException(e);
                }
            }

            @Override
            public int read(byte[] b, int off, int len) {
                try {
                    return gzip().read(b, off, len);
                } catch (IOException e) {
                    throw new NotGzipException(e);
                }
            }

            @Override
            public void close() throws IOException {
                if (gzip != null) {
                    gzip.close();
                } else {
                    compressed.close();
                }
            }
        };
    }
}
