"""Singer target for Intercom."""
