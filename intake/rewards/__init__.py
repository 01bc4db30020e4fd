"""Crime Stoppers rewards: proposed, approved by a second supervisor, paid against a code."""
