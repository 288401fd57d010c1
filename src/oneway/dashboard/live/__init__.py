"""Staff pages for live interviews and slot offers (every lookup through the access gate)."""
