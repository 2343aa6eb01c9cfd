package io.audiopipeline.common.testing;

import io.audiopipeline.common.batch.BatchCompletion;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.S3Config;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

/**
 * A real S3-compatible server in the test JVM: S3Proxy over a temporary directory. It can be stopped
 * and started again on the same port, to inject an outage.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "test-access";
    public static final String SECRET_KEY = "test-secret";

    private final Path baseDir;
    private int port;
    private S3Proxy proxy;

    public S3ProxyServer() throws Exception {
        this.baseDir = Files.createTempDirectory("s3proxy");
        start();
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
        long deadline = System.currentTimeMillis() + 10_000;
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

    public Map<String, String> env(String bucket) {
        Map<String, String> env = new HashMap<>();
        env.put("S3_ENDPOINT", endpoint().toString());
        env.put("S3_ACCESS_KEY", ACCESS_KEY);
        env.put("S3_SECRET_KEY", SECRET_KEY);
        env.put("S3_BUCKET", bucket);
        return env;
    }

    public S3Config config(String bucket) {
        return S3Config.from(new Env(env(bucket)));
    }

    /** Stops the server and deletes everything it stored. */
    @Override
    public void close() throws Exception {
        stop();
        BatchCompletion.removeTree(baseDir);
    }
}
