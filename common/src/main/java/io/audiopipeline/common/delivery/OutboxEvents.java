package io.audiopipeline.common.delivery;

import io.audiopipeline.common.db.Database;
import java.sql.SQLException;
import java.util.List;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/** Reading the outbox: a batch's events in order, with where each went. */
public final class OutboxEvents {
    private final Database db;

    public OutboxEvents(Database db) {
        this.db = db;
    }

    public List<OutboxEvent> ofBatch(String batchId) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT " + OutboxEvent.COLUMNS + " FROM outbox WHERE batch_id = :b ORDER BY seq")
                .bind("b", batchId).map(ConstructorMapper.of(OutboxEvent.class)).list());
    }
}
