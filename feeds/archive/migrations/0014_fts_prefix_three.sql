-- The FTS5 index keeps one prefix index, of three letters, instead of two (three and four).
-- Each prefix index adds every token again on every insert; a query's four-letter stem
-- prefix now reads the main index's term range, as five letters and longer always did.
-- FTS5 cannot change its prefixes in place: the table is made again. The triggers of 0011
-- stay as they are: they name the table, which is there again before anything fires them.
DROP TABLE items_fts;
CREATE VIRTUAL TABLE items_fts USING fts5(
    title_stems, text_stems,
    content = 'items', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '3'
);
INSERT INTO items_fts(items_fts, rank) VALUES ('rank', 'bm25(8.0, 1.0)');
INSERT INTO items_fts(items_fts) VALUES ('rebuild');
