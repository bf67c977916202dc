"""The persistent task queue: task and batch models, the store with its bitmaps, task
filters, the autobatcher, and the scheduler that applies batches to indexes.
"""
