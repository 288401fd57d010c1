"""Staff and reviewer pages, one module per topic.

Every view is wrapped in ``staff_view(permission)`` and finds objects through the access
gate, ``oneway.access`` (another organisation's or an unassigned object's id -> 404).
"""
