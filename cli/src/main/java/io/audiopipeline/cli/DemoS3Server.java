package io.audiopipeline.cli;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

/** The demo's own S3-compatible server: S3Proxy over a local directory, on a free loopback port. */
final class DemoS3Server implements AutoCloseable {
    static final String ACCESS_KEY = "demo-access";
    static final String SECRET_KEY = "demo-secret";

    private final S3Proxy proxy;

    DemoS3Server(Path dataDir) throws Exception {
        Files.createDirectories(dataDir);
        proxy = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(dataDir.toString()))
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .ignoreUnknownHeaders(true)
                .build();
        proxy.start();
        long deadline = System.currentTimeMillis() + 10_000;
        while (!"STARTED".equals(proxy.getState()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
    }

    String endpoint() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}
