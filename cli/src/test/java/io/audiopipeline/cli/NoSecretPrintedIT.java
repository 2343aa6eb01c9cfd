package io.audiopipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.audiopipeline.common.storage.ObjectStore;
import io.audiopipeline.sandbox.EmbeddedS3;
import io.audiopipeline.sandbox.TcpPorts;
import io.audiopipeline.common.testing.TestServers;
import io.audiopipeline.sandbox.ChildProgram;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every program's output, read as an operator's journal would be, holds no secret: credentials in every
 * URL form, in variables named like secrets, in errors at start-up and in CLI errors. The Redis the
 * test starts requires a password holding {@code @}, {@code :} and {@code /}.
 */
class NoSecretPrintedIT {
    private static final String REDIS_PASSWORD = "Zq7@pw:x/Sécret";
    private static final String ENCODED = "Zq7%40pw%3Ax%2FS%C3%A9cret";
    private static final List<String> SECRETS = List.of("Zq7", "Sécret", "S%C3%A9cret", "DbPw-4411", "S3Key-9931", "Wrong-7720");

    @TempDir
    Path tmp;
    private Process redis;
    private int redisPort;
    private final List<ChildProgram> processes = new ArrayList<>();

    @BeforeEach
    void startRedisWithAPassword() throws Exception {
        redisPort = TcpPorts.any();
        redis = new ProcessBuilder("redis-server", "--port", Integer.toString(redisPort), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--requirepass", REDIS_PASSWORD).redirectErrorStream(true).redirectOutput(tmp.resolve("redis.log").toFile())
                .start();
        TcpPorts.awaitListening(redisPort, "redis-server");
    }

    @AfterEach
    void stop() throws Exception {
        for (ChildProgram p : processes) {
            p.kill();
        }
        redis.destroy();
        redis.waitFor(10, TimeUnit.SECONDS);
    }

    @Test
    void aWorkerStartsWithAnEncodedPasswordHoldingAtAndColonAndPrintsNoSecret() throws Exception {
        try (EmbeddedS3 s3 = EmbeddedS3.temporary(); ObjectStore store = new ObjectStore(TestServers.s3Config(s3, "no-secret"))) {
            store.createBucketIfMissing();
            Map<String, String> env = new HashMap<>(TestServers.env());
            env.putAll(s3.env("no-secret"));
            env.put("REDIS_URL", "redis://:" + ENCODED + "@127.0.0.1:" + redisPort + "/0");
            env.put("DATABASE_PASSWORD", "DbPw-4411");
            env.put("SCRATCH_ROOT", tmp.resolve("scratch").toString());
            env.put("SCRATCH_MIN_FREE_BYTES", "0");
            env.put("HTTP_PORT", "0");
            env.put("LOG_LEVEL", "DEBUG");
            ChildProgram unpack = ChildProgram.start("unpack-worker", env, tmp.resolve("logs"));
            processes.add(unpack);
            await().atMost(Duration.ofSeconds(60)).until(() -> unpack.output().contains("started: queue queue:unpack"));
            assertThat(unpack.terminate(60)).as("it connected to the Redis that requires the password, and stopped cleanly").isZero();
            assertNoSecret(unpack.output());
            assertThat(unpack.output()).as("the S3 secret key").doesNotContain(env.get("S3_SECRET_KEY"));
        }
    }

    @Test
    void startUpErrorsAndCliErrorsPrintNoSecret() throws Exception {
        Map<String, String> env = new HashMap<>(TestServers.env());
        // a wrong password in the URL, a password parameter in the JDBC URL
        env.put("REDIS_URL", "redis://:Wrong-7720@127.0.0.1:" + redisPort + "/0");
        env.put("DATABASE_URL", "jdbc:postgresql://127.0.0.1:5432/audio_pipeline_nosuchdb?user=nobody&password=DbPw-4411");
        env.put("HTTP_PORT", "0");
        ChildProgram unpack = ChildProgram.start("unpack-worker", env, tmp.resolve("logs"));
        processes.add(unpack);
        assertThat(unpack.waitFor(60)).as("cannot start: unavailable").isEqualTo(69);
        assertThat(unpack.output()).contains("cannot start");
        assertNoSecret(unpack.output());

        // the password with an unencoded @: the URL has no host, which is a configuration error, not 127.0.0.1 without auth
        env.put("REDIS_URL", "redis://:" + REDIS_PASSWORD + "@127.0.0.1:" + redisPort + "/0");
        ChildProgram unencoded = ChildProgram.start("unpack-worker", env, tmp.resolve("logs"));
        processes.add(unencoded);
        assertThat(unencoded.waitFor(60)).isEqualTo(78);
        assertThat(unencoded.output()).contains("REDIS_URL");
        assertNoSecret(unencoded.output());

        env.put("REDIS_URL", "redis://:Wrong-7720@127.0.0.1:" + redisPort + "/0");
        ProcessBuilder cli = new ProcessBuilder(ChildProgram.projectRoot().resolve("bin/pipeline").toString(), "status").redirectErrorStream(true);
        cli.environment().putAll(env);
        Process p = cli.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isNotZero();
        assertThat(out).contains("Redis");
        assertNoSecret(out);
    }

    private static void assertNoSecret(String output) {
        for (String secret : SECRETS) {
            assertThat(output).as("output holds no '%s':%n%s", secret, output).doesNotContain(secret);
        }
    }
}
