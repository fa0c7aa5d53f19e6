"""Spreadsheet import/export of reporting periods, work plans (POA) and their parts, and partner progress.

Kinds of :mod:`imports.services`, on natural keys, in import ``order``:

* ``reporting-periods`` (30): (programme, start, end). ``work-plans`` (31): (programme, code), with
  the other partners as acronyms (set after the plans are written). Administrators only; a plan's
  status and a period's lock are workflow, never imported (a new plan is a draft).
* ``results`` (32): (programme, plan, result code); ``indicators`` (33): (programme, plan, result,
  kind, code), with the phase indicator it completes; ``activities`` (34): (programme, plan, key),
  with its parent; ``schedule-months`` (35): (activity, month); ``footnotes`` (36): (plan, marker).
  Programme staff and administrators, on plans they can see. A phase indicator or parent activity
  is found in the database or further down the same file (linked after the last row is written);
  one in neither is a located error of the dry run.
* Targets are the printed text plus the typed reading: blank typed columns are read from the text
  with :func:`results.targets.parse_target` as the loader does (an unchanged text keeps the typed
  values stored); typed columns given are stored as given. Exports fill them only where the stored
  reading differs from the text's, so editing the printed target of an exported row re-reads it.
  Blank ``order``, ``lower_is_better`` and ``aggregation`` keep what is stored (defaults for a new row).
* ``progress`` (40): one report per (activity, reporting period). Partner editors only, for the
  plans of their organisations: a row naming another partner's activity is an error, not a skip.
  New reports start as drafts; a report already submitted or approved, or a locked period, is an error.

The admin's Import and Export buttons use these same kinds (:mod:`imports.admin`).
"""

from results.resources import activities, indicators, plans, progress, schedule  # noqa: F401  (register kinds)
