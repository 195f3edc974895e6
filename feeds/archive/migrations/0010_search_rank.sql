-- Rank search results with the title weighted above the text: the weights become the
-- table's default rank function, so `ORDER BY rank` uses them (columns: title, text,
-- title_stems, text_stems).
INSERT INTO items_fts(items_fts, rank) VALUES ('rank', 'bm25(8.0, 1.0, 8.0, 1.0)');
