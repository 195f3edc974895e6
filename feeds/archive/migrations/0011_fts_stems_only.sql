-- Index the stems only. Every search matches the stem columns (feeds.search.parse_query
-- qualifies each word with {title_stems text_stems}) with prefixes of at least three
-- letters (MIN_PREFIX_CHARS), so the words as written and the two-letter prefix index were
-- written on every insert and read by no query: about half of the index. Snippets and
-- highlights are made from items.text by feeds.search, not by FTS5.
DROP TRIGGER items_fts_insert;
DROP TRIGGER items_fts_delete;
DROP TRIGGER items_fts_update;
DROP TABLE items_fts;

CREATE VIRTUAL TABLE items_fts USING fts5(
    title_stems, text_stems,
    content = 'items', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '3 4'
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

-- The title weighted above the text, as before (0010), for the two columns left.
INSERT INTO items_fts(items_fts, rank) VALUES ('rank', 'bm25(8.0, 1.0)');
-- The index of the items already stored, from the items table.
INSERT INTO items_fts(items_fts) VALUES ('rebuild');
