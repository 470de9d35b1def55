"""Times as pages state them, and the instants they name."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_instant(stated: str | None) -> datetime | None:
    """The instant an ISO 8601 time with a zone names, in naive UTC (how the store keeps
    times); None for a day alone, a time without a zone, or text that is not a time:
    those say when only roughly, and are kept as the page wrote them."""
    if not stated or len(stated) <= 10:
        return None
    try:
        moment = datetime.fromisoformat(stated.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None)
