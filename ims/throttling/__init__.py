"""Sign-in lockout (django-axes) and API rate limits: who is slowed down, and how it is said."""
