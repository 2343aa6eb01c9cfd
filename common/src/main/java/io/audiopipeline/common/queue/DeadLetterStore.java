package io.audiopipeline.common.queue;

import io.audiopipeline.common.db.Database;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/**
 * The {@code dead_letters} table: the record behind every dead-letter list, which Redis may lose. An entry is
 * written here before it goes on its list, and marked when an operator re-queues or purges it; the
 * reconciler puts an open entry that Redis lost back on its list.
 */
public final class DeadLetterStore {
    private final Database db;

    public DeadLetterStore(Database db) {
        this.db = db;
    }

    public void record(DeadLetter d) throws SQLException {
        db.withHandle(h -> h.createUpdate("INSERT INTO dead_letters (id, queue, payload, error, attempts, worker, failed_at) "
                        + "VALUES (:id, :queue, :payload, :error, :attempts, :worker, coalesce(:at, now())) ON CONFLICT (id) DO NOTHING")
                .bind("id", UUID.fromString(d.id())).bind("queue", d.queue()).bind("payload", d.payload()).bind("error", d.error())
                .bind("attempts", d.attempts()).bind("worker", d.worker()).bind("at", d.failedAt()).execute());
    }

    /** Marks entries re-queued or purged ({@code how}); ids that are not uuids (entries of an earlier release) have no record. */
    public void settle(List<String> ids, String how) throws SQLException {
        List<UUID> uuids = ids.stream().filter(DeadLetterStore::isUuid).map(UUID::fromString).toList();
        if (uuids.isEmpty()) {
            return;
        }
        db.withHandle(h -> h.createUpdate("UPDATE dead_letters SET settled_at = now(), settled_as = :how WHERE id = ANY(:ids) AND settled_at IS NULL")
                .bind("how", how).bindArray("ids", UUID.class, uuids).execute());
    }

    /** Entries not re-queued or purged, oldest first. */
    public List<DeadLetter> open() throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT id::text AS id, queue, payload, error, attempts, worker, failed_at FROM dead_letters "
                + "WHERE settled_at IS NULL ORDER BY failed_at").map(ConstructorMapper.of(DeadLetter.class)).list());
    }

    private static boolean isUuid(String s) {
        try {
            UUID.fromString(s);
            return s.length() == 36;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
