"""The review workspace's views (issue 6): dashboards, candidate page, compare, sharing."""
