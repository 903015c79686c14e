"""The emulated fleet: pydantic models of tenants, apps, reloads and tasks, the changes made to
them (app operations, the reload lifecycle and queue, licences), and persistence."""
