-- Two indexes of items that no query uses, written on every insert: every query by
-- publication time asks for relevant items too and takes items_relevant_published, and
-- nothing looks items up by content hash (EXPLAIN QUERY PLAN of each, 2026-11-29).
DROP INDEX items_published;
DROP INDEX items_source_hash;
