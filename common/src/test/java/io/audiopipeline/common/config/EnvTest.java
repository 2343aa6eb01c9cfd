package io.audiopipeline.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.audiopipeline.common.testing.LaunchedProgram;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvTest {
    @Test
    void defaultsApplyWhenNothingIsSet() {
        Env env = new Env(Map.of());
        RuntimeConfig runtime = RuntimeConfig.from(env, 9100, 2);
        S3Config s3 = S3Config.from(env);
        assertThat(runtime.maxAttempts()).isEqualTo(5);
        assertThat(runtime.httpPort()).isEqualTo(9100);
        assertThat(runtime.batchKeyTtl()).isEqualTo(Duration.ofDays(7));
        assertThat(s3.bucket()).isEqualTo("audio-pipeline");
        assertThat(s3.archivePrefix()).isEqualTo("archives/");
        assertThat(s3.multipartThresholdBytes()).isEqualTo(100L * 1024 * 1024);
        assertThat(s3.partChecksum()).isEqualTo(S3Config.PartChecksum.CRC32C);
        assertThat(RedisConfig.from(env).url().toString()).isEqualTo("redis://127.0.0.1:6379");
    }

    @Test
    void parsesSizesAndDurationsWithUnits() {
        Env env = new Env(Map.of("S3_MULTIPART_THRESHOLD", "8MB", "VISIBILITY_TIMEOUT", "2m", "BATCH_KEY_TTL", "3600"));
        assertThat(S3Config.from(env).multipartThresholdBytes()).isEqualTo(8L * 1024 * 1024);
        RuntimeConfig runtime = RuntimeConfig.from(env, 1, 1);
        assertThat(runtime.visibilityTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(runtime.batchKeyTtl()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void badValuesNameTheVariable() {
        assertThatThrownBy(() -> RuntimeConfig.from(new Env(Map.of("MAX_ATTEMPTS", "many")), 1, 1))
                .isInstanceOf(ConfigException.class).hasMessage("MAX_ATTEMPTS: must be a whole number, got 'many'");
        assertThatThrownBy(() -> RuntimeConfig.from(new Env(Map.of("MAX_ATTEMPTS", "0")), 1, 1))
                .hasMessageStartingWith("MAX_ATTEMPTS: must be between 1 and 100");
        assertThatThrownBy(() -> RedisConfig.from(new Env(Map.of("REDIS_URL", "http://x"))))
                .hasMessageStartingWith("REDIS_URL: must be a URL with scheme");
        assertThatThrownBy(() -> RedisConfig.from(new Env(Map.of("REDIS_URL", "redis://10.0.0.1:7000/9",
                "REDIS_CLUSTER_NODES", "10.0.0.1:7000,10.0.0.2:7000"))))
                .hasMessageStartingWith("REDIS_URL: a Redis Cluster has only database 0");
        assertThatThrownBy(() -> S3Config.from(new Env(Map.of("S3_ACCESS_KEY", "a"))))
                .hasMessage("S3_SECRET_KEY: is required when S3_ACCESS_KEY is set");
        assertThatThrownBy(() -> S3Config.from(new Env(Map.of("S3_PART_CHECKSUM", "sha1"))))
                .hasMessage("S3_PART_CHECKSUM: must be one of crc32c, md5, got 'sha1'");
        assertThatThrownBy(() -> DatabaseConfig.from(new Env(Map.of("DATABASE_URL", "postgres://x"))))
                .hasMessageStartingWith("DATABASE_URL: must start with jdbc:postgresql:");
        assertThatThrownBy(() -> RuntimeConfig.from(new Env(Map.of("VISIBILITY_TIMEOUT", "1s")), 1, 1))
                .hasMessageStartingWith("VISIBILITY_TIMEOUT: must be at least 3s");
    }

    @Test
    void effectiveConfigurationMasksSecrets() {
        Env env = new Env(Map.of("S3_SECRET_KEY", "hunter2", "S3_ACCESS_KEY", "ak", "DATABASE_PASSWORD", "pw",
                "REDIS_URL", "redis://:redispw@127.0.0.1:6379"));
        S3Config.from(env);
        DatabaseConfig.from(env);
        RedisConfig.from(env);
        String shown = env.effective().toString();
        assertThat(shown).doesNotContain("hunter2").doesNotContain("redispw").doesNotContain("=pw")
                .contains("S3_SECRET_KEY=****").contains("redis://:****@127.0.0.1:6379").contains("S3_BUCKET=audio-pipeline");
    }

    @Test
    void launcherTurnsConfigErrorsIntoExit78AndOneLine() {
        LaunchedProgram run = LaunchedProgram.run("unpack-worker", () -> {
            RuntimeConfig.from(new Env(Map.of("MAX_ATTEMPTS", "-3")), 1, 1);
            return 0;
        });
        String out = run.stderr();
        assertThat(run.exitCode()).isEqualTo(78);
        assertThat(out.lines()).hasSize(1);
        assertThat(out).startsWith("unpack-worker: configuration error: MAX_ATTEMPTS: must be between 1 and 100");
    }
}
