"""Background jobs for the core (invitations, reminders). Tasks take ids, never objects."""
