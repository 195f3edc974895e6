"""One module per `civic-digest` sub-command (see bot/cli.py)."""
