"""The inbox and outbox (DESIGN §8): what flows into the desk and out of it, on the task queue.

fetching (the guarded HTTP client), extraction (article text and metadata),
feeds (RSS, Atom and ClaimReview feeds), comments, notifications, webhooks,
jobs (the tasks the worker runs) and worker (the worker's loop).
"""
