"""Domain errors raised by services and mapped to HTTP answers by every interface."""


class DomainError(Exception):
    """A refused business operation with a user-facing message and a machine-readable code."""

    status_code = 400
    default_code = "refused"

    def __init__(self, message, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code


class InvalidTransition(DomainError):
    """The object's current state does not allow the action (HTTP 409)."""

    status_code = 409
    default_code = "invalid_transition"


class NotAllowed(DomainError):
    """The acting user's role does not allow the action (HTTP 403)."""

    status_code = 403
    default_code = "not_allowed"
