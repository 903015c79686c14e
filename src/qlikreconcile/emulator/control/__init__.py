"""What tests and operators drive: the admin routes under ``/_emulator``, fault injection and
the seeded source tenant."""
