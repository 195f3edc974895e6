-- The FTS5 index keeps one prefix index, of three letters, instead of two (three and four).
-- Each prefix index adds every token again on every insert; a query's four-letter stem
-- prefix now reads the main index's term range, as five letters and longer always did.
DROP TRIGGER items_fts_insert;
DROP TRIGGER items_fts_delete;
DROP TRIGGER items_fts_update;
DROP TABLE items_fts;

CREATE VIRTUAL TABLE items_fts USING fts5(
    title_stems, text_stems,
    content = 'items', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '3'
);
CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_fts(rowid, title_stems, text_stems)
    VALUES (new.id, new.title_stems, new.text_stems);
END;
CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_fts(items_fts, rowid, title_stems, text_stems)
    VALUES ('delete', old.id, old.title_stems, old.text_stems);
END;
CREATE TRIGGER items_fts_update AFTER UPDATE OF title_stems, text_stems ON items BEGIN
    INSERT INTO items_fts(items_fts, rowid, title_stems, text_stems)
    VALUES ('delete', old.id, old.title_stems, old.text_stems);
    INSERT INTO items_fts(rowid, title_stems, text_stems)
    VALUES (new.id, new.title_stems, new.text_stems);
END;

INSERT INTO items_fts(items_fts, rank) VALUES ('rank', 'bm25(8.0, 1.0)');
INSERT INTO items_fts(items_fts) VALUES ('rebuild');
