-- The archive's first schema: feeds, items with full-text search, stories, filter terms,
-- subscribers, the outbox and delivery records. Times are Unix seconds (REAL, UTC).

CREATE TABLE sources (
    id              INTEGER PRIMARY KEY,
    url             TEXT    NOT NULL UNIQUE,
    title           TEXT    NOT NULL DEFAULT '',
    site_url        TEXT    NOT NULL DEFAULT '',
    language        TEXT    NOT NULL DEFAULT '',
    enabled         INTEGER NOT NULL DEFAULT 1,
    etag            TEXT,
    last_modified   TEXT,
    last_fetch_at   REAL,
    last_success_at REAL,
    last_status     TEXT,
    last_error      TEXT,
    error_count     INTEGER NOT NULL DEFAULT 0,
    next_fetch_at   REAL    NOT NULL DEFAULT 0,
    added_by        INTEGER,
    added_at        REAL    NOT NULL
);

CREATE TABLE stories (
    id                 INTEGER PRIMARY KEY,
    representative_id  INTEGER NOT NULL,
    first_published_at REAL    NOT NULL,
    last_published_at  REAL    NOT NULL,
    fingerprint        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX stories_last_published ON stories(last_published_at);

CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    source_id     INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    guid          TEXT    NOT NULL,
    url           TEXT    NOT NULL DEFAULT '',
    canonical_url TEXT    NOT NULL DEFAULT '',
    title         TEXT    NOT NULL DEFAULT '',
    text          TEXT    NOT NULL DEFAULT '',
    language      TEXT    NOT NULL DEFAULT '',
    published_at  REAL    NOT NULL,
    fetched_at    REAL    NOT NULL,
    content_hash  TEXT    NOT NULL,
    title_stems   TEXT    NOT NULL DEFAULT '',
    text_stems    TEXT    NOT NULL DEFAULT '',
    relevant      INTEGER,             -- NULL until classified
    score         REAL,
    topics        TEXT    NOT NULL DEFAULT '[]',  -- JSON list of topic ids, best first
    matched       TEXT    NOT NULL DEFAULT '[]',  -- JSON list of matched words as they appear
    classified_at REAL,
    summary       TEXT,
    story_id      INTEGER REFERENCES stories(id) ON DELETE SET NULL,
    UNIQUE (source_id, guid)
);
CREATE INDEX items_canonical_url ON items(canonical_url);
CREATE INDEX items_published ON items(published_at);
CREATE INDEX items_relevant_published ON items(relevant, published_at);
CREATE INDEX items_story ON items(story_id);
CREATE INDEX items_source_hash ON items(source_id, content_hash);

-- Full-text index over the items table (external content: the text is stored once).
-- title/text hold the words as written (prefix search, snippets); *_stems hold their stems.
CREATE VIRTUAL TABLE items_fts USING fts5(
    title, text, title_stems, text_stems,
    content = 'items', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);
CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_fts(rowid, title, text, title_stems, text_stems)
    VALUES (new.id, new.title, new.text, new.title_stems, new.text_stems);
END;
CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_fts(items_fts, rowid, title, text, title_stems, text_stems)
    VALUES ('delete', old.id, old.title, old.text, old.title_stems, old.text_stems);
END;
CREATE TRIGGER items_fts_update AFTER UPDATE OF title, text, title_stems, text_stems ON items BEGIN
    INSERT INTO items_fts(items_fts, rowid, title, text, title_stems, text_stems)
    VALUES ('delete', old.id, old.title, old.text, old.title_stems, old.text_stems);
    INSERT INTO items_fts(rowid, title, text, title_stems, text_stems)
    VALUES (new.id, new.title, new.text, new.title_stems, new.text_stems);
END;

-- Include and exclude terms that admins add per topic on top of the bundled lexicon.
CREATE TABLE filter_terms (
    id       INTEGER PRIMARY KEY,
    topic    TEXT    NOT NULL,
    kind     TEXT    NOT NULL CHECK (kind IN ('include', 'exclude')),
    term     TEXT    NOT NULL,
    added_by INTEGER,
    added_at REAL    NOT NULL,
    UNIQUE (topic, kind, term)
);

-- A chat that receives digests: a private chat, a group or a channel.
CREATE TABLE subscribers (
    chat_id        INTEGER PRIMARY KEY,
    chat_type      TEXT    NOT NULL DEFAULT 'private',
    title          TEXT    NOT NULL DEFAULT '',
    language       TEXT    NOT NULL DEFAULT 'ru',
    timezone       TEXT    NOT NULL DEFAULT 'Asia/Almaty',
    mode           TEXT    NOT NULL DEFAULT 'daily'
                   CHECK (mode IN ('instant', 'daily', 'weekly', 'off')),
    hour           INTEGER NOT NULL DEFAULT 9 CHECK (hour BETWEEN 0 AND 23),
    weekday        INTEGER NOT NULL DEFAULT 0 CHECK (weekday BETWEEN 0 AND 6),  -- 0 = Monday
    topics         TEXT    NOT NULL DEFAULT '[]',  -- JSON list; empty means all topics
    status         TEXT    NOT NULL DEFAULT 'active'
                   CHECK (status IN ('active', 'stopped', 'blocked')),
    added_by       INTEGER,
    created_at     REAL    NOT NULL,
    updated_at     REAL    NOT NULL,
    last_digest_at REAL
);
CREATE INDEX subscribers_status_mode ON subscribers(status, mode);

CREATE TABLE watch_words (
    id         INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL REFERENCES subscribers(chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    phrase     TEXT    NOT NULL,
    created_at REAL    NOT NULL,
    UNIQUE (chat_id, phrase)
);

-- Rendered messages waiting to be sent. One row per message part; (chat_id, dedup_key, part)
-- makes composing idempotent: a digest for a chat and period is written once.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    dedup_key   TEXT    NOT NULL,
    part        INTEGER NOT NULL DEFAULT 0,
    text        TEXT    NOT NULL,
    parse_mode  TEXT    NOT NULL DEFAULT 'HTML',
    state       TEXT    NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'dead')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    not_before  REAL    NOT NULL DEFAULT 0,
    created_at  REAL    NOT NULL,
    updated_at  REAL    NOT NULL,
    sent_at     REAL,
    UNIQUE (chat_id, dedup_key, part)
);
CREATE INDEX outbox_state_due ON outbox(state, not_before);

-- Which stories reached which chat, so no story is sent to a chat twice.
CREATE TABLE deliveries (
    chat_id    INTEGER NOT NULL,
    story_id   INTEGER NOT NULL,
    via        TEXT    NOT NULL,  -- digest, instant, watch
    created_at REAL    NOT NULL,
    PRIMARY KEY (chat_id, story_id)
) WITHOUT ROWID;

-- Small facts the running bot records: heartbeat, last poll, alert state.
CREATE TABLE meta (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at REAL NOT NULL
);
