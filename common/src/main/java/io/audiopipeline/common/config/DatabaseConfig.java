package io.audiopipeline.common.config;

/** PostgreSQL connection settings. */
public record DatabaseConfig(String url, String user, String password, int poolSize) {
    public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/audio_pipeline";
    public static final int DEFAULT_POOL_SIZE = 8;

    public static DatabaseConfig from(Env env) {
        String url = env.string("DATABASE_URL", DEFAULT_URL);
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new ConfigException("DATABASE_URL", "must start with jdbc:postgresql:, got '" + Env.mask("DATABASE_URL", url) + "'");
        }
        if (!url.matches("jdbc:postgresql://[^/:?]+.*")) {
            throw new ConfigException("DATABASE_URL", "has no host: it must look like jdbc:postgresql://host[:port]/database, got '"
                    + Env.mask("DATABASE_URL", url) + "'");
        }
        return new DatabaseConfig(url,
                env.string("DATABASE_USER", System.getProperty("user.name")),
                env.string("DATABASE_PASSWORD", null),
                env.integer("DATABASE_POOL_SIZE", DEFAULT_POOL_SIZE, 1, 200));
    }
}
