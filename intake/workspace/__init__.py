"""Working the queue: tips awaiting a staff answer, and telling the assignee their tipster wrote."""
