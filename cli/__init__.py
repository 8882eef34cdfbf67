"""The ``qa`` command: the composition root, on top of the domain (``qa``), the HTTP
service (``api``) and the evaluation (``eval``) that its commands put together."""
