"""One module per kind of batch: how the scheduler applies it."""
