package io.audiopipeline.sandbox;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

/**
 * An S3-compatible server in this JVM: S3Proxy over a local directory, on a free loopback port. It can be
 * stopped and started again on the same port (an outage).
 */
public final class EmbeddedS3 implements AutoCloseable {
    public static final String ACCESS_KEY = "sandbox-access";
    public static final String SECRET_KEY = "sandbox-secret";
    private static final long START_TIMEOUT_MS = 10_000;

    private final Path baseDir;
    private final boolean temporary;
    private int port;
    private S3Proxy proxy;

    private EmbeddedS3(Path baseDir, boolean temporary) throws Exception {
        this.baseDir = Files.createDirectories(baseDir);
        this.temporary = temporary;
        start();
    }

    /** A server over a new temporary directory, deleted with everything stored in it on {@link #close}. */
    public static EmbeddedS3 temporary() throws Exception {
        return new EmbeddedS3(Files.createTempDirectory("s3proxy"), true);
    }

    /** A server over {@code dir}, whose objects stay there after {@link #close}. */
    public static EmbeddedS3 in(Path dir) throws Exception {
        return new EmbeddedS3(dir, false);
    }

    public synchronized void start() throws Exception {
        if (proxy != null) {
            return;
        }
        S3Proxy p = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(baseDir.toString()))
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .ignoreUnknownHeaders(true)
                .build();
        p.start();
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (!"STARTED".equals(p.getState()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        port = p.getPort();
        proxy = p;
    }

    public synchronized void stop() throws Exception {
        if (proxy != null) {
            proxy.stop();
            proxy = null;
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Where the server keeps {@code bucket/key} on disk (to corrupt an object from outside). */
    public Path blobPath(String bucket, String key) {
        return baseDir.resolve(bucket).resolve(key);
    }

    /** The variables that point a pipeline program at this server and {@code bucket}. */
    public Map<String, String> env(String bucket) {
        Map<String, String> env = new HashMap<>();
        env.put("S3_ENDPOINT", endpoint().toString());
        env.put("S3_ACCESS_KEY", ACCESS_KEY);
        env.put("S3_SECRET_KEY", SECRET_KEY);
        env.put("S3_BUCKET", bucket);
        return env;
    }

    /** Stops the server; a temporary one's directory is deleted with everything it stored. */
    @Override
    public void close() throws Exception {
        stop();
        if (temporary) {
            removeTree(baseDir);
        }
    }

    private static void removeTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
