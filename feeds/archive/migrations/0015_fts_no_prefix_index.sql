-- The FTS5 index keeps no prefix index. The three-letter one served only Kazakh stems of
-- three letters (longer stem prefixes already read the main index's term range) and cost
-- a quarter of every insert's index work. Over 200,000 items search p95 was 3.53 ms
-- without it and 3.92 ms with it; the slowest three-letter query («қаз») took 5.6 ms
-- instead of 3.2 ms. FTS5 cannot change its prefixes in place: the table is made again,
-- and the triggers of 0011 stay (they name the table, which is there again before they fire).
DROP TABLE items_fts;
CREATE VIRTUAL TABLE items_fts USING fts5(
    title_stems, text_stems,
    content = 'items', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO items_fts(items_fts, rank) VALUES ('rank', 'bm25(8.0, 1.0)');
INSERT INTO items_fts(items_fts) VALUES ('rebuild');
