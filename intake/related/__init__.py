"""Related tips: the same plate, number or photo, or a nearby point; confirmed clusters."""
