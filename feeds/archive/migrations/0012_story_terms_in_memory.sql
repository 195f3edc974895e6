-- The story word index is no longer kept in a table: each day of it is made, when story
-- matching first needs that day, from the fingerprints of the day's items
-- (feeds/archive/story_index.py), which hold every word the index did. The table cost ~24
-- rows an item on every refresh, most of the store's writing, and was read only to build
-- that same index; the fingerprints are now read by day instead.
DROP TABLE story_terms;
CREATE INDEX story_fingerprints_published ON story_fingerprints(published_at);
