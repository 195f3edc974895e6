-- Story matching: the words each item is compared by, kept beside the item so a new item is
-- compared only with the items of the 48 hours around it (the index on published_at) and no
-- text is re-read or re-stemmed at refresh time.
CREATE TABLE story_fingerprints (
    item_id      INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    story_id     INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    source_id    INTEGER NOT NULL,
    published_at REAL    NOT NULL,
    title        TEXT    NOT NULL DEFAULT '',  -- content-word stems of the headline
    lead         TEXT    NOT NULL DEFAULT ''   -- content-word stems of the lead, not in the headline
);
CREATE INDEX story_fingerprints_published ON story_fingerprints(published_at);
CREATE INDEX story_fingerprints_story ON story_fingerprints(story_id);
CREATE INDEX stories_representative ON stories(representative_id);
