package io.audiopipeline.common.delivery;

import io.audiopipeline.common.db.Database;
import java.util.Optional;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The outbox's backlog: events not yet published, and how old the oldest is. */
public final class OutboxStats {
    private static final Logger log = LoggerFactory.getLogger(OutboxStats.class);

    public record Backlog(long backlog, double oldestSeconds) {
    }

    private final Database db;

    public OutboxStats(Database db) {
        this.db = db;
    }

    /** Empty when the database did not answer (a scrape leaves the gauges out rather than fail). */
    public Optional<Backlog> read() {
        try {
            return Optional.of(db.withHandle(h -> h.createQuery("SELECT count(*) AS backlog, "
                    + "coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest_seconds FROM outbox WHERE published_at IS NULL")
                    .map(ConstructorMapper.of(Backlog.class)).one()));
        } catch (Exception e) {
            log.warn("outbox gauges left out of this scrape: the database did not answer: {}", e.getMessage());
            return Optional.empty();
        }
    }
}
