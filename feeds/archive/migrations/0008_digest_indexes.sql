-- Digests ask "which of these stories has any chat had?" for a whole window at once; the
-- primary key (chat_id, story_id) answers per chat only, so index the other way round too.
CREATE INDEX IF NOT EXISTS deliveries_story ON deliveries(story_id, chat_id);
