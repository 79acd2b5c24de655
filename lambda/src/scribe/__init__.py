"""scribe: stores HTTP POST bodies as text objects in S3."""
