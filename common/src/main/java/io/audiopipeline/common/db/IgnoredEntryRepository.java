package io.audiopipeline.common.db;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The {@code ignored_entries} table: a batch's archive entries that are not recordings, with the reason. */
public final class IgnoredEntryRepository {
    private final Database db;

    public IgnoredEntryRepository(Database db) {
        this.db = db;
    }

    /** Records the batch's ignored entries and their count on the batch row; repeating it changes nothing. */
    public void record(String batchId, List<IgnoredEntry> entries) throws SQLException {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO ignored_entries (batch_id, position, name, reason) VALUES (?, ?, ?, ?) "
                    + "ON CONFLICT (batch_id, position) DO NOTHING")) {
                for (int i = 0; i < entries.size(); i++) {
                    ps.setString(1, batchId);
                    ps.setInt(2, i + 1);
                    ps.setString(3, entries.get(i).name());
                    ps.setString(4, entries.get(i).reason());
                    ps.addBatch();
                    if ((i + 1) % 500 == 0) {
                        ps.executeBatch();
                    }
                }
                ps.executeBatch();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE batches SET ignored_entries = ? WHERE batch_id = ?")) {
                ps.setInt(1, entries.size());
                ps.setString(2, batchId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public List<IgnoredEntry> byBatch(String batchId) throws SQLException {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT name, reason FROM ignored_entries WHERE batch_id = ? ORDER BY position")) {
                ps.setString(1, batchId);
                List<IgnoredEntry> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new IgnoredEntry(rs.getString(1), rs.getString(2)));
                    }
                }
                return rows;
            }
        });
    }
}
