"""The civic-digest application: settings, CLI, Telegram handlers, digests and delivery."""
