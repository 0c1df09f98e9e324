"""The senior manager's console: managers, tariffs, reassigning clients, the admin audit log."""
