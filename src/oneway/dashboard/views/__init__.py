"""Staff and reviewer pages, one module per topic.

Every view is wrapped in ``staff_view(permission)`` and finds objects through
``oneway.core.selectors`` scoped to ``request.org`` (another organisation's id -> 404).
"""
