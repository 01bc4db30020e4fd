"""Public statistics: what residents report and what came of it, small counts suppressed."""
