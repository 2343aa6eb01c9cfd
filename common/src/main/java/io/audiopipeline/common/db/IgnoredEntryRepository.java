package io.audiopipeline.common.db;

import java.sql.SQLException;
import java.util.List;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jdbi.v3.core.statement.PreparedBatch;

/** The {@code ignored_entries} table: a batch's archive entries that are not recordings, with the reason. */
public final class IgnoredEntryRepository {
    private static final int CHUNK = 500;

    private final Database db;

    public IgnoredEntryRepository(Database db) {
        this.db = db;
    }

    /** Records the batch's ignored entries and their count on the batch row; repeating it changes nothing. */
    public void record(String batchId, List<IgnoredEntry> entries) throws SQLException {
        db.inTransaction(h -> record(h, batchId, entries));
    }

    /** {@link #record} in the caller's transaction (the hand-off's). */
    public static int record(org.jdbi.v3.core.Handle h, String batchId, List<IgnoredEntry> entries) {
        {
            for (int from = 0; from < entries.size(); from += CHUNK) {
                PreparedBatch insert = h.prepareBatch("INSERT INTO ignored_entries (batch_id, position, name, reason) "
                        + "VALUES (:batch, :position, :name, :reason) ON CONFLICT (batch_id, position) DO NOTHING");
                for (int i = from; i < Math.min(entries.size(), from + CHUNK); i++) {
                    insert.bind("batch", batchId).bind("position", i + 1)
                            .bind("name", entries.get(i).name()).bind("reason", entries.get(i).reason()).add();
                }
                insert.execute();
            }
            return h.createUpdate("UPDATE batches SET ignored_entries = :count WHERE batch_id = :batch")
                    .bind("count", entries.size()).bind("batch", batchId).execute();
        }
    }

    public List<IgnoredEntry> byBatch(String batchId) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT name, reason FROM ignored_entries WHERE batch_id = :batch ORDER BY position")
                .bind("batch", batchId).map(ConstructorMapper.of(IgnoredEntry.class)).list());
    }
}
