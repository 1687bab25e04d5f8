"""What each ``astrozoo`` subcommand does, one module per group; `astrozoo.cli` parses the arguments."""
