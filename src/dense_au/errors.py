"""User-facing errors: the CLI prints these as one line and exits non-zero, without a traceback."""


class UserError(Exception):
    """A mistake in the user's input (file, key or value), with a message that says what was expected."""
