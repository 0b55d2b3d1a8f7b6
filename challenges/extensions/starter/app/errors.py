"""JSON errors."""

# TODO: error handlers that answer JSON; a way to report every bad field at once.
