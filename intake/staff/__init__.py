"""Staff accounts and how they authenticate: API tokens, web sessions with a second factor."""
