"""The commands of `wirewatch`, one module per command or command group (wirewatch.cli
adds them to the main group)."""
