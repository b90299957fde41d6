"""Work on many claims at once (DESIGN §9 and the queue's bulk actions): CSV export and bulk changes.

Both go through the domain one claim at a time, so every rule that holds for
one claim holds for each claim of a batch.
"""
