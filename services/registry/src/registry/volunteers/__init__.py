"""Volunteers: people, skills, qualifications, availability, leave, limits and consents."""
