"""Training loops small enough to run inside a job: the demo model's, and short fine-tunes."""
