-- audio-pipeline schema. Idempotent: applying it again changes nothing.
-- Constraints make retried writes idempotent: one batch row per batch id, one audio_files row per
-- (batch_id, original_filename) (through the SHA-256 of the name: names of any length), one transcript
-- per audio_id, one transfer record per source file version.

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
-- archive entries that are not recordings (listed in ignored_entries)
ALTER TABLE batches ADD COLUMN IF NOT EXISTS ignored_entries integer NOT NULL DEFAULT 0;
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
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS audio_files_batch_status_idx ON audio_files (batch_id, status);
-- decoded, but no speech recognised: processed with an empty transcript
ALTER TABLE audio_files ADD COLUMN IF NOT EXISTS no_speech boolean NOT NULL DEFAULT false;
-- the file's identity within its batch: hex SHA-256 of original_filename (a name too long for a b-tree
-- entry is still unique); written by every insert as encode(sha256(convert_to(name, 'UTF8')), 'hex')
ALTER TABLE audio_files ADD COLUMN IF NOT EXISTS name_key text;
DO $$
BEGIN
    IF (SELECT is_nullable FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'audio_files' AND column_name = 'name_key') = 'YES' THEN
        UPDATE audio_files SET name_key = encode(sha256(convert_to(original_filename, 'UTF8')), 'hex') WHERE name_key IS NULL;
        ALTER TABLE audio_files ALTER COLUMN name_key SET NOT NULL;
    END IF;
END $$;
CREATE UNIQUE INDEX IF NOT EXISTS audio_files_batch_name_key ON audio_files (batch_id, name_key);
ALTER TABLE audio_files DROP CONSTRAINT IF EXISTS audio_files_batch_file_key;

-- Every archive entry that is not a recording, and why (OS metadata, not audio, a link), in archive order.
CREATE TABLE IF NOT EXISTS ignored_entries (
    batch_id   text    NOT NULL REFERENCES batches (batch_id),
    position   integer NOT NULL,
    name       text    NOT NULL,
    reason     text    NOT NULL,
    PRIMARY KEY (batch_id, position)
);

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

-- Content policies, by version: a policy file's name and the SHA-256 of its text, recorded the first time it is used.
CREATE TABLE IF NOT EXISTS policies (
    policy_sha256  text        PRIMARY KEY CHECK (policy_sha256 ~ '^[0-9a-f]{64}$'),
    name           text        NOT NULL,
    text           text        NOT NULL,
    first_used_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS policies_name_idx ON policies (name, first_used_at);

-- One label per (recording, policy version, model): 1 when the transcript meets the policy, with the
-- engine's score and evidence; or the labelling's failure, with its reason (the transcript stands).
CREATE TABLE IF NOT EXISTS transcript_labels (
    audio_id           uuid        NOT NULL REFERENCES transcripts (audio_id),
    policy_sha256      text        NOT NULL REFERENCES policies (policy_sha256),
    model              text        NOT NULL,
    status             text        NOT NULL CHECK (status IN ('labelled', 'failed')),
    label              smallint    CHECK (label IN (0, 1)),
    score              double precision,
    evidence           jsonb       NOT NULL DEFAULT '[]'::jsonb,
    chunks             integer,
    error              text,
    labelling_seconds  double precision,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (audio_id, policy_sha256, model),
    CHECK (status = 'failed' OR label IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS transcript_labels_policy_idx ON transcript_labels (policy_sha256, label);

-- The delivery outbox: every result worth announcing, inserted in the transaction of the change it
-- announces, numbered per batch (batches.outbox_seq, taken under the batch row's lock, so a batch's events
-- commit in their order), then published by a relay to RESULTS_QUEUE and/or WEBHOOK_URL.
ALTER TABLE batches ADD COLUMN IF NOT EXISTS outbox_seq bigint NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS outbox (
    event_id              uuid        PRIMARY KEY,
    batch_id              text        NOT NULL REFERENCES batches (batch_id),
    seq                   bigint      NOT NULL,
    type                  text        NOT NULL,
    audio_id              uuid,
    data                  jsonb       NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    queue_published_at    timestamptz,
    webhook_delivered_at  timestamptz,
    webhook_attempts      integer     NOT NULL DEFAULT 0,
    webhook_next_at       timestamptz,
    webhook_dead_at       timestamptz,
    webhook_error         text,
    published_at          timestamptz,
    UNIQUE (batch_id, seq)
);
CREATE INDEX IF NOT EXISTS outbox_pending_idx ON outbox (batch_id, seq) WHERE published_at IS NULL;

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
-- a local source is hashed while it is uploaded: its record exists before its SHA-256 is known
ALTER TABLE transfers ALTER COLUMN sha256 DROP NOT NULL;

-- PostgreSQL is the system of record: every recording has its row from the hand-off on (pending, with the
-- path of its Opus file on its node's scratch volume), and the batch's counts live in its row, moved only in
-- the transaction that settles a file (under the batch row's lock). Redis mirrors them.
ALTER TABLE audio_files ADD COLUMN IF NOT EXISTS opus_path text;
-- the worker that took the file last (its Redis heartbeat says whether it still lives), and when
ALTER TABLE audio_files ADD COLUMN IF NOT EXISTS claimed_by text;
ALTER TABLE audio_files ADD COLUMN IF NOT EXISTS claimed_at timestamptz;
CREATE INDEX IF NOT EXISTS audio_files_open_idx ON audio_files (batch_id) WHERE status IN ('pending', 'transcribing');
-- set by the hand-off's transaction (rows and total written); null for a batch handed off by an older release
ALTER TABLE batches ADD COLUMN IF NOT EXISTS handed_off_at timestamptz;
-- the completion's work outside the database (scratch dir, archive retention, key TTL) ran to its end
ALTER TABLE batches ADD COLUMN IF NOT EXISTS finalized_at timestamptz;
-- the unpack worker that took the batch last
ALTER TABLE batches ADD COLUMN IF NOT EXISTS claimed_by text;

-- Dead letters, the record behind each queue:<q>:dead list (which Redis may lose): a stable id, the payload
-- verbatim, why, and what became of it (re-queued or purged by an operator).
CREATE TABLE IF NOT EXISTS dead_letters (
    id          uuid        PRIMARY KEY,
    queue       text        NOT NULL,
    payload     text        NOT NULL,
    error       text        NOT NULL,
    attempts    integer     NOT NULL DEFAULT 0,
    worker      text,
    failed_at   timestamptz NOT NULL DEFAULT now(),
    settled_at  timestamptz,
    settled_as  text        CHECK (settled_as IS NULL OR settled_as IN ('requeued', 'purged'))
);
CREATE INDEX IF NOT EXISTS dead_letters_open_idx ON dead_letters (queue, failed_at) WHERE settled_at IS NULL;

-- Progress per batch: the counts of its row (the one place they are kept).
DROP VIEW IF EXISTS stuck_batches;
DROP VIEW IF EXISTS batch_progress;
CREATE OR REPLACE VIEW batch_progress AS
SELECT b.batch_id,
       b.status,
       b.node,
       b.total_files,
       b.processed_files::bigint                                                  AS processed_files,
       b.failed_files::bigint                                                     AS failed_files,
       greatest(coalesce(b.total_files, 0) - b.processed_files - b.failed_files, 0)::bigint AS pending_files,
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

-- Transfers that failed and wait for their retry (an export host away, a bucket refusing): one row per source
-- file version, kept across restarts of the transfer worker, resolved when the archive is transferred.
CREATE TABLE IF NOT EXISTS transfer_failures (
    source          text        NOT NULL,
    name            text        NOT NULL,
    size_bytes      bigint      NOT NULL,
    modified_at     timestamptz NOT NULL,
    attempts        integer     NOT NULL DEFAULT 1,
    error           text        NOT NULL,
    worker          text,
    first_failed_at timestamptz NOT NULL DEFAULT now(),
    last_failed_at  timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz,
    resolved_at     timestamptz,
    PRIMARY KEY (source, size_bytes, modified_at)
);
CREATE INDEX IF NOT EXISTS transfer_failures_open_idx ON transfer_failures (last_failed_at) WHERE resolved_at IS NULL;
