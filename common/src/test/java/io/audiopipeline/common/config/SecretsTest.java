package io.audiopipeline.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.audiopipeline.common.testing.LaunchedProgram;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretsTest {
    private static final String PW = "s3cr3t-P@ss:w0rd";

    @Test
    void everyFormOfACredentialInAUrlIsMasked() {
        List<String> printed = List.of(
                "redis://:" + PW + "@redis.example.com:6379/0",
                "rediss://default:" + PW + "@redis.example.com:6380",
                "cannot reach Redis at redis://:" + PW + "@10.0.0.5:6379 (Connection refused)",
                "jdbc:postgresql://db.example.com:5432/audio?user=pipeline&password=" + PW + "&ssl=true",
                "jdbc:postgresql://db.example.com/audio?password=" + PW,
                "sftp://u:" + PW + "@host/path",
                "key=value sslpassword=" + PW + " other",
                "REDIS_URL: has no host: 'redis://:Zq7@s3cr3t:x/w0rd@127.0.0.1:37637/0' (a password holding @ ...)");
        for (String text : printed) {
            assertThat(Secrets.mask(text)).as(text).doesNotContain("s3cr3t").doesNotContain("w0rd").contains("****");
        }
        assertThat(Secrets.mask("redis://:" + PW + "@redis.example.com:6379/0")).isEqualTo("redis://:****@redis.example.com:6379/0");
        assertThat(Secrets.mask("jdbc:postgresql://h/db?user=u&password=x&ssl=true")).isEqualTo("jdbc:postgresql://h/db?user=u&password=****&ssl=true");
        assertThat(Secrets.mask("no secrets in s3://bucket/key or http://host:9000/x")).isEqualTo("no secrets in s3://bucket/key or http://host:9000/x");
    }

    @Test
    void variablesNamedLikeSecretsAreMaskedWhole() {
        assertThat(Env.mask("S3_SECRET_KEY", PW)).isEqualTo("****");
        assertThat(Env.mask("TRANSFER_SSH_KEY_PASSPHRASE", PW)).isEqualTo("****");
        assertThat(Env.mask("DATABASE_URL", "jdbc:postgresql://h/db?password=" + PW)).doesNotContain("s3cr3t");
    }

    @Test
    void aRedisUrlWithoutAHostOrWithANonNumericDatabaseIsAConfigurationErrorNamingTheVariable() {
        // an @ in an unencoded password ends the user info early: the URL then has no host
        assertThatThrownBy(() -> RedisConfig.from(new Env(Map.of("REDIS_URL", "redis://:p@ss@redis.example.com:6379"))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("REDIS_URL: has no host").hasMessageNotContaining("p@ss");
        assertThatThrownBy(() -> RedisConfig.from(new Env(Map.of("REDIS_URL", "redis://127.0.0.1:6379/abc"))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("REDIS_URL: the path must be a database number");
        assertThat(RedisConfig.from(new Env(Map.of("REDIS_URL", "redis://:p%40ss%3Aw%2Frd@redis.example.com:6379/2"))).url().getHost())
                .as("an encoded password parses").isEqualTo("redis.example.com");
        assertThatThrownBy(() -> DatabaseConfig.from(new Env(Map.of("DATABASE_URL", "jdbc:postgresql:///audio?password=" + PW))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("DATABASE_URL: has no host").hasMessageNotContaining("s3cr3t");
    }

    @Test
    void aConfigurationErrorIsExit78OnOneLineWithNoSecret() {
        LaunchedProgram run = LaunchedProgram.run("gpu-worker", () -> {
            RedisConfig.from(new Env(Map.of("REDIS_URL", "redis://:" + PW + "@/0")));
            return 0;
        });
        String out = run.stderr();
        assertThat(run.exitCode()).isEqualTo(78);
        assertThat(out.lines()).hasSize(1);
        assertThat(out).startsWith("gpu-worker: configuration error: REDIS_URL:").doesNotContain("s3cr3t");
    }

    @Test
    void aLogLineCannotBeForgedByANameAndHoldsNoSecret() {
        ch.qos.logback.classic.LoggerContext context = new ch.qos.logback.classic.LoggerContext();
        ch.qos.logback.classic.spi.LoggingEvent event = new ch.qos.logback.classic.spi.LoggingEvent("x", context.getLogger("test"),
                ch.qos.logback.classic.Level.INFO, "converted {} using {}", null,
                new Object[] {"a.mp3\n2026-01-01T00:00:00.000Z ERROR [main] Worker - forged\u001b[2J", "redis://:" + PW + "@h:6379"});
        MaskedMessageConverter converter = new MaskedMessageConverter();
        converter.setContext(context);
        converter.start();
        String line = converter.convert(event);
        assertThat(line).doesNotContain("\n").doesNotContain("\u001b").contains("a.mp3\\n2026-01-01").contains("\\x1b[2J")
                .doesNotContain("s3cr3t").contains("redis://:****@h:6379");
    }

    @Test
    void controlCharactersInNamesArePrintedEscaped() {
        assertThat(Printable.escape("a\nb\r\u001b[31mred\u0007.mp3")).isEqualTo("a\\nb\\r\\x1b[31mred\\x07.mp3");
        assertThat(Printable.escape("evil\u202Eplh.mp3")).isEqualTo("evil\\u202eplh.mp3");
        assertThat(Printable.escape("café 你好 🎙.mp3")).as("printable text is left alone").isEqualTo("café 你好 🎙.mp3");
    }
}
