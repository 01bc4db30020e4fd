"""Photos and files sent with tips: checked, stripped of metadata, sealed."""
