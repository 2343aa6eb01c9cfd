package io.audiopipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.sandbox.EmbeddedS3;
import io.audiopipeline.sandbox.TcpPorts;
import io.audiopipeline.common.testing.TestServers;
import io.audiopipeline.sandbox.ChildProgram;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rediss://} checks the server's certificate names the host asked for: a certificate signed by a
 * trusted CA but issued for another name is refused at start, one issued for the host is accepted. A
 * TLS redis-server and the certificates (openssl) are the test's own.
 */
class RedisTlsIT {
    @TempDir
    Path tmp;

    @Test
    void aCertificateForAnotherHostNameIsRefusedAndOneForTheHostIsAccepted() throws Exception {
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=test-ca");
        certificate("other", "DNS:other.example");
        certificate("right", "IP:127.0.0.1");
        run("keytool", "-importcert", "-noprompt", "-alias", "test-ca", "-file", "ca.crt", "-keystore", "trust.p12", "-storetype", "PKCS12",
                "-storepass", "changeit");
        try (EmbeddedS3 s3 = EmbeddedS3.temporary(); ObjectStore store = new ObjectStore(TestServers.s3Config(s3, "tls"))) {
            store.createBucketIfMissing();
            Map<String, String> env = new HashMap<>(TestServers.env());
            env.putAll(s3.env("tls"));
            env.put("SCRATCH_ROOT", tmp.resolve("scratch").toString());
            env.put("SCRATCH_MIN_FREE_BYTES", "0");
            env.put("HTTP_PORT", "0");
            env.put("JAVA_OPTS", "-Djavax.net.ssl.trustStore=" + tmp.resolve("trust.p12") + " -Djavax.net.ssl.trustStorePassword=changeit "
                    + "-Djavax.net.ssl.trustStoreType=PKCS12");

            Process wrong = tlsRedis("other");
            try {
                try (ChildProgram refused = ChildProgram.start("unpack-worker", env(env, wrong), tmp.resolve("logs"))) {
                    assertThat(refused.waitFor(60)).as("a certificate for other.example does not serve 127.0.0.1: %s", refused.output()).isEqualTo(69);
                    assertThat(refused.output()).contains("cannot start: Redis at rediss://127.0.0.1:" + port);
                }
            } finally {
                stop(wrong);
            }
            Process right = tlsRedis("right");
            try (ChildProgram accepted = ChildProgram.start("unpack-worker", env(env, right), tmp.resolve("logs"))) {
                await().atMost(Duration.ofSeconds(60)).until(() -> accepted.output().contains("started: queue queue:unpack")
                        || !accepted.isAlive());
                assertThat(accepted.output()).as("a certificate for 127.0.0.1 is accepted").contains("started: queue queue:unpack");
                assertThat(accepted.terminate(60)).isZero();
            } finally {
                stop(right);
            }
        }
    }

    private int port;

    private Map<String, String> env(Map<String, String> base, Process server) {
        Map<String, String> env = new HashMap<>(base);
        env.put("REDIS_URL", "rediss://127.0.0.1:" + port + "/0");
        return env;
    }

    private Process tlsRedis(String cert) throws Exception {
        port = TcpPorts.any();
        Process p = new ProcessBuilder("redis-server", "--port", "0", "--tls-port", Integer.toString(port), "--bind", "127.0.0.1",
                "--tls-cert-file", tmp.resolve(cert + ".crt").toString(), "--tls-key-file", tmp.resolve(cert + ".key").toString(),
                "--tls-ca-cert-file", tmp.resolve("ca.crt").toString(), "--tls-auth-clients", "no", "--save", "", "--appendonly", "no")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("redis-" + cert + ".log").toFile()).start();
        TcpPorts.awaitListening(port, "redis-server (TLS)");
        return p;
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    private void certificate(String name, String subjectAltName) throws Exception {
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name);
        Files.writeString(tmp.resolve(name + ".ext"), "subjectAltName=" + subjectAltName + "\n");
        run("openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", name + ".crt",
                "-days", "2", "-extfile", name + ".ext");
    }

    private void run(String... command) throws Exception {
        Process p = new ProcessBuilder(List.of(command)).directory(tmp.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }
}
