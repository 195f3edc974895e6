-- Story matching. Each item's fingerprint (the content-word stems it is compared by) is kept
-- beside it, so no text is re-read or re-stemmed at refresh time; and its specific words
-- (the fingerprint without the generic vocabulary of civic news) go into an inverted index
-- keyed by day, so that a new item finds the few items of the days around it that share its
-- words with a handful of index seeks, however large the archive. Old days of the inverted
-- index are pruned; the fingerprints stay with their items.
CREATE TABLE story_fingerprints (
    item_id      INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    story_id     INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    source_id    INTEGER NOT NULL,
    published_at REAL    NOT NULL,
    title        TEXT    NOT NULL DEFAULT '',  -- content-word stems of the headline
    lead         TEXT    NOT NULL DEFAULT ''   -- content-word stems of the lead, not in the headline
);
CREATE INDEX story_fingerprints_story ON story_fingerprints(story_id);

CREATE TABLE story_terms (
    day     INTEGER NOT NULL,  -- the item's publication day, as whole days since 1970-01-01 UTC
    term    TEXT    NOT NULL,  -- one specific word stem
    item_id INTEGER NOT NULL,
    PRIMARY KEY (day, term, item_id)
) WITHOUT ROWID;

CREATE INDEX stories_representative ON stories(representative_id);
