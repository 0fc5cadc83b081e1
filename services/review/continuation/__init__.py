"""継続審査 — the continuation review, one sub-package per aggregate, each with the rooms of
``services/registry/contacts`` (router, service, repository, schemas):

- ``cycles/``: a review round, its eligible projects and grace periods
  (``/v1/continuation-cycles``);
- ``applications/``: the lead proposer's application, drafted and submitted;
- ``assessments/``: reviewers assigned to an application and their assessments;
- ``decisions/``: approval or rejection, and the term extension it sends to the registry;
- ``sweeps/``: the hourly set-based sweep (service and its SQL; no routes).

Shared by all of them: ``models.py``, ``states.py`` (the three state machines),
``dependencies.py`` (who may call), ``schemas.py`` (input types), ``repository.py`` (insert and
flush), ``notices.py`` (the payloads sent through notify), ``tasks.py`` (queue jobs) and
``commands.py`` (``jisso review sweep``).
"""
