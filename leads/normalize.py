"""Normalization of visitor input that identifies a lead."""


def normalize_email(email: str) -> str:
    """Return ``email`` trimmed and lower-cased: the key that deduplicates leads."""
    return email.strip().lower()
