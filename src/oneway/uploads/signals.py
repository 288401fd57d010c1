"""The completion hook.

``upload_completed`` is sent exactly once per upload (keyword argument ``upload``), after
the transaction that completed it has committed. It is sent inside a second transaction
that also marks the upload as notified: the receivers' database writes and that mark
commit together, so a crash cannot lose or repeat the notification (the periodic sweep
re-sends one that a crash interrupted). ``transaction.on_commit`` inside a receiver runs
once that transaction commits: the place to queue processing. A receiver that raises
rolls the notification back; it is retried by the sweep.
"""

from django.dispatch import Signal

upload_completed = Signal()
