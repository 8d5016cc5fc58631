"""The Deploy stage: board picker, fit check, one Deploy button, memory report, arena timeline, validation."""
