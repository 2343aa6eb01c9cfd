-- audio-pipeline schema. Idempotent: applying it again changes nothing.
-- Constraints make retried writes idempotent: one batch row per batch id, one audio_files row per
-- (batch_id, original_filename), one transcript per audio_id, one transfer record per source file version.

CREATE TABLE IF NOT EXISTS batches (
    batch_id          text PRIMARY KEY CHECK (batch_id ~ '^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$'),
    s3_key            text        NOT NULL,
    original_filename text        NOT NULL,
    sha256            text        CHECK (sha256 IS NULL OR sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes        bigint      CHECK (size_bytes IS NULL OR size_bytes >= 0),
    node              text,
    status            text        NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'unpacking', 'transcribing', 'completed', 'failed')),
    total_files       integer     CHECK (total_files IS NULL OR total_files >= 0),
    processed_files   integer     NOT NULL DEFAULT 0,
    failed_files      integer     NOT NULL DEFAULT 0,
    error             text,
    transferred_at    timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    unpacked_at       timestamptz,
    completed_at      timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS batches_active_idx ON batches (status, updated_at) WHERE status <> 'completed';

CREATE TABLE IF NOT EXISTS audio_files (
    audio_id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    batch_id          text        NOT NULL REFERENCES batches (batch_id),
    original_filename text        NOT NULL,
    s3_key            text,
    sha256            text        CHECK (sha256 IS NULL OR sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes        bigint,
    duration_seconds  double precision,
    status            text        NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'transcribing', 'transcribed', 'completed', 'failed')),
    error             text,
    attempts          integer     NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT audio_files_batch_file_key UNIQUE (batch_id, original_filename)
);
CREATE INDEX IF NOT EXISTS audio_files_batch_status_idx ON audio_files (batch_id, status);

CREATE TABLE IF NOT EXISTS transcripts (
    audio_id            uuid        PRIMARY KEY REFERENCES audio_files (audio_id),
    language            text,
    text                text        NOT NULL,
    segments            jsonb       NOT NULL DEFAULT '[]'::jsonb,
    engine              text        NOT NULL,
    engine_version      text,
    model               text,
    duration_seconds    double precision,
    processing_seconds  double precision,
    realtime_factor     double precision,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS pipeline_events (
    event_id   bigserial   PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    batch_id   text,
    audio_id   uuid,
    event      text        NOT NULL,
    detail     text,
    worker     text
);
CREATE INDEX IF NOT EXISTS pipeline_events_batch_idx ON pipeline_events (batch_id, at);

-- One row per source file version already transferred: a kept source is never transferred twice.
CREATE TABLE IF NOT EXISTS transfers (
    source          text        NOT NULL,
    size_bytes      bigint      NOT NULL,
    modified_at     timestamptz NOT NULL,
    sha256          text        NOT NULL,
    batch_id        text        NOT NULL,
    s3_key          text        NOT NULL,
    enqueued_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, size_bytes, modified_at)
);

-- Progress per batch, from the files' rows.
CREATE OR REPLACE VIEW batch_progress AS
SELECT b.batch_id,
       b.status,
       b.node,
       b.total_files,
       count(f.audio_id) FILTER (WHERE f.status = 'completed')                   AS processed_files,
       count(f.audio_id) FILTER (WHERE f.status = 'failed')                      AS failed_files,
       count(f.audio_id) FILTER (WHERE f.status IN ('pending', 'transcribing', 'transcribed')) AS pending_files,
       b.created_at,
       b.completed_at,
       greatest(b.updated_at, max(f.updated_at))                                 AS last_progress_at
FROM batches b
LEFT JOIN audio_files f ON f.batch_id = b.batch_id
GROUP BY b.batch_id;

-- Active batches with no progress for audio_pipeline.stuck_after (default 30 minutes):
--   SET audio_pipeline.stuck_after = '10 minutes';
CREATE OR REPLACE VIEW stuck_batches AS
SELECT p.*,
       now() - p.last_progress_at AS idle_for
FROM batch_progress p
WHERE p.status <> 'completed'
  AND p.last_progress_at < now() - coalesce(nullif(current_setting('audio_pipeline.stuck_after', true), ''), '30 minutes')::interval;
