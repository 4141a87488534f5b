"""The HTTP API (FastAPI) under ``/api/v1``: see :func:`safetynet.api.app.create_app`."""
