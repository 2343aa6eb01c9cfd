package io.audiopipeline.demo;

import io.audiopipeline.cli.CliFailure;
import io.audiopipeline.common.batch.BatchCompletion;
import io.audiopipeline.common.config.DatabaseConfig;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.Secrets;
import io.audiopipeline.common.app.UnavailableException;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.sandbox.EmbeddedPostgres;
import io.audiopipeline.sandbox.EmbeddedRedis;
import io.audiopipeline.sandbox.EmbeddedS3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The servers the demo runs on. By default its own, under its data directory, on free loopback ports: a
 * redis-server, a PostgreSQL cluster (initdb, as the {@code postgres} user when run as root) and S3Proxy;
 * all stopped when the demo ends. The user's own servers only when REDIS_URL, DATABASE_URL or S3_ENDPOINT
 * say so: the demo never writes into a server it did not start unless told to.
 */
final class DemoServers implements AutoCloseable {
    static final String BUCKET = "audio-pipeline-demo";

    private final List<AutoCloseable> owned = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> described = new ArrayList<>();

    /** The variables that point the workers (and {@code pipeline}) at these servers. */
    Map<String, String> env() {
        return env;
    }

    /** One line per server: whose it is and where. */
    List<String> described() {
        return described;
    }

    static DemoServers start(Env user, Path data, Consumer<String> step) throws Exception {
        DemoServers servers = new DemoServers();
        try {
            servers.redis(user, data, step);
            servers.postgres(user, data, step);
            servers.s3(user, data, step);
            return servers;
        } catch (Exception | Error e) {
            servers.close();
            throw e;
        }
    }

    private void redis(Env user, Path data, Consumer<String> step) throws Exception {
        Optional<String> given = Optional.ofNullable(user.string("REDIS_URL", null));
        if (given.isPresent()) {
            env.put("REDIS_URL", given.get());
            described.add("Redis       yours, " + Secrets.mask(given.get()) + " (REDIS_URL)");
            return;
        }
        step.accept("starting its own redis-server in " + data.resolve("redis"));
        // a fresh directory: nothing of an earlier run comes back from its append-only file
        BatchCompletion.removeTree(data.resolve("redis"));
        EmbeddedRedis redis = new EmbeddedRedis(Files.createDirectories(data.resolve("redis")));
        owned.add(0, redis);
        env.put("REDIS_URL", redis.url());
        described.add("Redis       the demo's own, " + redis.url() + " (pid " + redis.pid() + ")");
    }

    private void postgres(Env user, Path data, Consumer<String> step) throws Exception {
        String given = user.string("DATABASE_URL", null);
        if (given != null) {
            env.put("DATABASE_URL", given);
            DatabaseConfig config = DatabaseConfig.from(user);
            ensureDatabase(config, step);
            described.add("PostgreSQL  yours, " + Secrets.mask(given) + " (DATABASE_URL)");
            return;
        }
        Path log = Files.createDirectories(data.resolve("logs")).resolve("postgres.log");
        EmbeddedPostgres postgres = EmbeddedPostgres.create(data.resolve("postgres"), log).orElseThrow(() -> new CliFailure(
                "PostgreSQL's server binaries are not installed: run bin/demo (it installs them) or apt-get install -y postgresql", 69));
        step.accept("started its own PostgreSQL cluster (initdb) in " + postgres.dataDirectory());
        owned.add(0, postgres);
        String url = postgres.jdbcUrl().replaceFirst("/postgres$", "/audio_pipeline");
        env.put("DATABASE_URL", url);
        env.put("DATABASE_USER", "postgres");
        ensureDatabase(new DatabaseConfig(url, "postgres", null, 2), step);
        described.add("PostgreSQL  the demo's own, " + url + " user postgres (pid " + postgres.pid() + ")");
    }

    private void s3(Env user, Path data, Consumer<String> step) throws Exception {
        String given = user.string("S3_ENDPOINT", null);
        if (given != null) {
            env.put("S3_ENDPOINT", given);
            described.add("S3          yours, " + given + " (S3_ENDPOINT), bucket " + user.string("S3_BUCKET", "audio-pipeline"));
            return;
        }
        step.accept("starting its own S3-compatible server (S3Proxy) on " + data.resolve("s3"));
        EmbeddedS3 s3 = EmbeddedS3.in(data.resolve("s3"));
        owned.add(0, s3);
        env.putAll(s3.env(BUCKET));
        described.add("S3          the demo's own, " + s3.endpoint() + " bucket " + BUCKET);
    }

    private static void ensureDatabase(DatabaseConfig config, Consumer<String> step) {
        try {
            if (Database.createIfMissing(config)) {
                step.accept("created the database of " + Secrets.mask(config.url()));
            }
        } catch (SQLException e) {
            throw new UnavailableException("PostgreSQL at " + Secrets.mask(config.url()) + " is not usable (" + e.getMessage()
                    + "); start it, create the database, or leave DATABASE_URL unset to let the demo run its own");
        }
    }

    /** Stops the servers the demo started, newest first; the user's are left alone. */
    @Override
    public void close() {
        for (AutoCloseable server : owned) {
            try {
                server.close();
            } catch (Exception e) {
                System.err.println("demo: stopping " + server.getClass().getSimpleName() + " failed: " + e.getMessage());
            }
        }
        owned.clear();
    }
}
