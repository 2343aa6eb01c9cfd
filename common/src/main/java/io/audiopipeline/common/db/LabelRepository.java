package io.audiopipeline.common.db;

import io.audiopipeline.common.label.Policy;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/**
 * The {@code policies} and {@code transcript_labels} tables: a policy version is recorded the first time it
 * is used; a label is stored once per (audio_id, policy version, model) — a repeated labelling writes no
 * second row, and a failure recorded earlier gives way to a later success.
 */
public final class LabelRepository {
    /** One label row with its policy's name, for the CLI and the exports. */
    public record Label(UUID audioId, String policyName, String policySha256, String model, String status, Integer label, Double score,
                        String evidenceJson, String error, Instant createdAt) {
    }

    /** Per policy version of a batch: how many of its transcripts were labelled 1, 0, or could not be labelled. */
    public record PolicyCounts(String policyName, String policySha256, String model, long ones, long zeros, long failed) {
    }

    /** A recording a policy flagged. */
    public record Flagged(String batchId, UUID audioId, String originalFilename, String policySha256, String model, Double score,
                          String evidenceJson) {
    }

    private static final String LABEL_COLUMNS = "l.audio_id, p.name AS policy_name, l.policy_sha256, l.model, l.status, l.label, l.score, "
            + "l.evidence::text AS evidence_json, l.error, l.created_at";

    private final Database db;

    public LabelRepository(Database db) {
        this.db = db;
    }

    /** Records a policy version (its name and text) if it is not known yet. */
    public void recordPolicy(Policy policy) throws SQLException {
        db.withHandle(h -> h.createUpdate("INSERT INTO policies (policy_sha256, name, text) VALUES (:sha, :name, :text) "
                        + "ON CONFLICT (policy_sha256) DO NOTHING")
                .bind("sha", policy.sha256()).bind("name", policy.name()).bind("text", policy.text()).execute());
    }

    public Optional<Policy> policy(String sha256) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT name, policy_sha256 AS sha256, text FROM policies WHERE policy_sha256 = :sha")
                .bind("sha", sha256).map(ConstructorMapper.of(Policy.class)).findOne());
    }

    /** True when this recording already has a label (not a failure) for this policy version and model. */
    public boolean isLabelled(UUID audioId, String policySha256, String model) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT count(*) FROM transcript_labels WHERE audio_id = :id AND policy_sha256 = :sha "
                        + "AND model = :model AND status = 'labelled'")
                .bind("id", audioId).bind("sha", policySha256).bind("model", model).mapTo(Long.class).one() > 0);
    }

    /** Stores a label; returns false when one was already stored (the first stays). */
    public boolean saveLabel(UUID audioId, String policySha256, String model, int label, double score, String evidenceJson, int chunks,
                             double seconds) throws SQLException {
        return db.withHandle(h -> h.createUpdate("INSERT INTO transcript_labels (audio_id, policy_sha256, model, status, label, score, "
                        + "evidence, chunks, labelling_seconds) VALUES (:id, :sha, :model, 'labelled', :label, :score, :evidence::jsonb, :chunks, "
                        + ":seconds) ON CONFLICT (audio_id, policy_sha256, model) DO UPDATE SET status = 'labelled', label = excluded.label, "
                        + "score = excluded.score, evidence = excluded.evidence, chunks = excluded.chunks, error = NULL, "
                        + "labelling_seconds = excluded.labelling_seconds, updated_at = now() WHERE transcript_labels.status = 'failed'")
                .bind("id", audioId).bind("sha", policySha256).bind("model", model).bind("label", (short) label).bind("score", score)
                .bind("evidence", evidenceJson).bind("chunks", chunks).bind("seconds", seconds).execute() == 1);
    }

    /** Records that labelling failed, with its reason; never over a label already stored. */
    public void saveFailure(UUID audioId, String policySha256, String model, String error) throws SQLException {
        db.withHandle(h -> h.createUpdate("INSERT INTO transcript_labels (audio_id, policy_sha256, model, status, error) "
                        + "VALUES (:id, :sha, :model, 'failed', :error) ON CONFLICT (audio_id, policy_sha256, model) DO UPDATE "
                        + "SET error = excluded.error, updated_at = now() WHERE transcript_labels.status = 'failed'")
                .bind("id", audioId).bind("sha", policySha256).bind("model", model).bind("error", error).execute());
    }

    /** Every label of a batch's recordings, oldest policy version first. */
    public List<Label> byBatch(String batchId) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT " + LABEL_COLUMNS + " FROM transcript_labels l JOIN policies p USING (policy_sha256) "
                        + "JOIN audio_files f ON f.audio_id = l.audio_id WHERE f.batch_id = :batch ORDER BY p.name, p.first_used_at, l.model")
                .bind("batch", batchId).map(ConstructorMapper.of(Label.class)).list());
    }

    /** Every label of one recording. */
    public List<Label> forRecording(UUID audioId) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT " + LABEL_COLUMNS + " FROM transcript_labels l JOIN policies p USING (policy_sha256) "
                        + "WHERE l.audio_id = :id ORDER BY p.name, p.first_used_at, l.model")
                .bind("id", audioId).map(ConstructorMapper.of(Label.class)).list());
    }

    /** How many of these recordings have a label or a recorded failure for this policy version (any model). */
    public long settled(String policySha256, List<UUID> audioIds) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT count(DISTINCT audio_id) FROM transcript_labels WHERE policy_sha256 = :sha "
                        + "AND audio_id = ANY(:ids)")
                .bind("sha", policySha256).bindArray("ids", UUID.class, audioIds).mapTo(Long.class).one());
    }

    /** How many of these recordings could not be labelled under this policy version. */
    public long failed(String policySha256, List<UUID> audioIds) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT count(DISTINCT audio_id) FROM transcript_labels WHERE policy_sha256 = :sha "
                        + "AND status = 'failed' AND audio_id = ANY(:ids)")
                .bind("sha", policySha256).bindArray("ids", UUID.class, audioIds).mapTo(Long.class).one());
    }

    public List<PolicyCounts> countsByBatch(String batchId) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT p.name AS policy_name, l.policy_sha256, l.model, "
                        + "count(*) FILTER (WHERE l.status = 'labelled' AND l.label = 1) AS ones, "
                        + "count(*) FILTER (WHERE l.status = 'labelled' AND l.label = 0) AS zeros, "
                        + "count(*) FILTER (WHERE l.status = 'failed') AS failed "
                        + "FROM transcript_labels l JOIN policies p USING (policy_sha256) JOIN audio_files f ON f.audio_id = l.audio_id "
                        + "WHERE f.batch_id = :batch GROUP BY p.name, l.policy_sha256, l.model, p.first_used_at ORDER BY p.name, p.first_used_at")
                .bind("batch", batchId).map(ConstructorMapper.of(PolicyCounts.class)).list());
    }

    /** Recordings labelled {@code label} under any version of the policy called {@code policyName}, optionally in one batch. */
    public List<Flagged> withLabel(String policyName, int label, String batchId) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT f.batch_id, f.audio_id, f.original_filename, l.policy_sha256, l.model, l.score, "
                        + "l.evidence::text AS evidence_json FROM transcript_labels l JOIN policies p USING (policy_sha256) "
                        + "JOIN audio_files f ON f.audio_id = l.audio_id WHERE p.name = :name AND l.status = 'labelled' AND l.label = :label "
                        + "AND (CAST(:batch AS text) IS NULL OR f.batch_id = :batch) ORDER BY f.batch_id, f.original_filename, p.first_used_at")
                .bind("name", policyName).bind("label", (short) label).bind("batch", batchId).map(ConstructorMapper.of(Flagged.class)).list());
    }

    /** A stored transcript to relabel: its recording, batch and text. */
    public record Stored(UUID audioId, String batchId) {
    }

    /** Stored transcripts (of one batch, or since a time) without a label for this policy version and model yet. */
    public List<Stored> unlabelled(String policySha256, String batchId, Instant since) throws SQLException {
        return db.withHandle(h -> h.createQuery("SELECT t.audio_id, f.batch_id FROM transcripts t JOIN audio_files f ON f.audio_id = t.audio_id "
                        + "WHERE (CAST(:batch AS text) IS NULL OR f.batch_id = :batch) AND (CAST(:since AS timestamptz) IS NULL OR t.created_at >= :since) "
                        + "AND NOT EXISTS (SELECT 1 FROM transcript_labels l WHERE l.audio_id = t.audio_id AND l.policy_sha256 = :sha "
                        + "AND l.status = 'labelled') ORDER BY t.created_at, t.audio_id")
                .bind("batch", batchId).bind("since", since).bind("sha", policySha256).map(ConstructorMapper.of(Stored.class)).list());
    }
}
