-- Delivery bookkeeping: a log of send outcomes for /stats ("sent and flood waits in 24 h"),
-- the stories each outbox row carries, and indexes for the sender's claim and the digest tick.

CREATE TABLE send_log (
    id       INTEGER PRIMARY KEY,
    at       REAL    NOT NULL,
    chat_id  INTEGER NOT NULL,
    outcome  TEXT    NOT NULL
             CHECK (outcome IN ('sent', 'flood', 'retry', 'dead', 'blocked', 'migrated', 'plain')),
    detail   TEXT
);
CREATE INDEX send_log_at ON send_log(at, outcome);

-- Story ids (JSON list) a row carries and how it was composed (digest, instant, watch).
ALTER TABLE outbox ADD COLUMN story_ids TEXT NOT NULL DEFAULT '[]';
ALTER TABLE outbox ADD COLUMN via TEXT NOT NULL DEFAULT 'digest';

-- The sender takes, per chat, the first message not yet sent: this index answers that.
CREATE INDEX outbox_unsent_by_chat ON outbox(chat_id, id)
    WHERE state IN ('pending', 'failed', 'sending');
CREATE INDEX outbox_dead_updated ON outbox(updated_at) WHERE state = 'dead';
