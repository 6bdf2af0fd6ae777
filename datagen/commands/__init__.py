"""CLI commands: one module per command (or group), each with `register(subparsers)`."""
