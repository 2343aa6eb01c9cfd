package io.audiopipeline.common.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.audiopipeline.common.config.DatabaseConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.postgres.PostgresPlugin;

/** The connection pool, the schema, and the one way SQL runs: Jdbi handles on the pool. */
public final class Database implements AutoCloseable {
    /** Serialises concurrent schema applications (several workers starting at once). */
    private static final long SCHEMA_LOCK = 0x617564696f5049L;

    private final HikariDataSource pool;
    private final Jdbi jdbi;

    public Database(DatabaseConfig config, String poolName) {
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(config.url());
        hikari.setUsername(config.user());
        hikari.setPassword(config.password());
        hikari.setMaximumPoolSize(config.poolSize());
        hikari.setPoolName(poolName);
        hikari.setConnectionTimeout(10_000);
        // fail fast at start when the database is unreachable
        hikari.setInitializationFailTimeout(10_000);
        this.pool = new HikariDataSource(hikari);
        this.jdbi = Jdbi.create(pool).installPlugin(new PostgresPlugin());
    }

    /**
     * Creates the configured database when PostgreSQL answers but the database does not exist yet (the demo,
     * the benchmarks). Returns true when it created it; throws when PostgreSQL is unreachable.
     */
    public static boolean createIfMissing(DatabaseConfig config) throws SQLException {
        try (Connection c = java.sql.DriverManager.getConnection(config.url(), config.user(), config.password())) {
            return false;
        } catch (SQLException e) {
            if (!"3D000".equals(e.getSQLState())) {
                throw e;
            }
        }
        String url = config.url();
        int slash = url.lastIndexOf('/');
        int query = url.indexOf('?', slash);
        String name = query < 0 ? url.substring(slash + 1) : url.substring(slash + 1, query);
        if (!name.matches("[A-Za-z0-9_]+")) {
            throw new SQLException("database '" + name + "' does not exist and its name is not one to create automatically", "3D000");
        }
        String adminUrl = url.substring(0, slash + 1) + "postgres" + (query < 0 ? "" : url.substring(query));
        try (Connection c = java.sql.DriverManager.getConnection(adminUrl, config.user(), config.password());
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
            return true;
        }
    }

    public DataSource dataSource() {
        return pool;
    }

    /**
     * Ends a connection taken from {@link #dataSource()} for good instead of giving it back: for a session
     * that holds session state (a LISTEN, a session-level advisory lock) the next borrower must not inherit.
     */
    public void discard(Connection c) {
        pool.evictConnection(c);
    }

    /** Cancels the statement a session is running (a wait for an advisory lock, at shutdown); a session already gone is fine. */
    public static void cancel(Connection session) {
        if (session != null) {
            try {
                session.unwrap(org.postgresql.PGConnection.class).cancelQuery();
            } catch (SQLException alreadyGone) {
                // nothing to cancel
            }
        }
    }

    /** Throws when the database cannot answer (readiness). */
    public void check() throws SQLException {
        withHandle(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one());
    }

    /** Applies {@code schema.sql} (idempotent), one script in one transaction under an advisory lock. */
    public void applySchema() throws SQLException {
        String sql = schemaText();
        inTransaction(h -> {
            h.execute("SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK + ")");
            // the schema is one multi-statement script (functions with $$ bodies): the driver runs it as it is
            try (Statement s = h.getConnection().createStatement()) {
                s.execute(sql);
            }
            return null;
        });
    }

    public static String schemaText() {
        try (InputStream in = Database.class.getResourceAsStream("/db/schema.sql")) {
            if (in == null) {
                throw new IllegalStateException("schema.sql is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read schema.sql", e);
        }
    }

    /** Runs {@code work} on a handle in auto-commit mode; a failed statement is thrown as its {@link SQLException}. */
    public <T> T withHandle(HandleCallback<T, SQLException> work) throws SQLException {
        try {
            return jdbi.withHandle(work);
        } catch (JdbiException e) {
            throw unwrap(e);
        }
    }

    /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
    public <T> T inTransaction(HandleCallback<T, SQLException> work) throws SQLException {
        try {
            return jdbi.inTransaction(work);
        } catch (JdbiException e) {
            throw unwrap(e);
        }
    }

    /** Callers decide on SQL states (23503: no such batch), so the driver's exception is what they see. */
    private static RuntimeException unwrap(JdbiException e) throws SQLException {
        if (e.getCause() instanceof SQLException sql) {
            throw sql;
        }
        return e;
    }

    @Override
    public void close() {
        pool.close();
    }
}
