"""Spreadsheet import/export of budgets: tables as printed, their columns and rows, figures, rules.

The kinds of :mod:`imports.registry`, used by the import pages, the admin's Import and Export buttons,
background jobs, templates and a programme's folder of spreadsheets alike. In import order, each on
its natural key:

* ``budget-tables`` (programme, code), ``budget-columns`` (table, key) and ``budget-rows`` (table,
  line): the structure of the tables, for administrators. A row names its subtotal (``parent``)
  and section heading by line, possibly a row printed further down the file; rows state their
  partner and component as the loader resolved them (inherited from the section or the table).
  Figures copy where they sit from this structure: a changed table, column or row is copied to
  its figures again.
* ``budget-facts`` (programme, table, row line, column): what a cell states (amount and currency,
  or the marker printed instead, and the text as printed), its ``counterpart`` (the same figure in
  the other currency, ``<table>/<line>/<column>``) and the ``rate`` linking the two. An empty
  counterpart or rate keeps the stored one (files of figures only); ``-`` removes it.
* ``reconciliation-rules`` (programme, code): the checks as data, last.

A file may only name programmes its user is staff of. After an import the reconciliation rules of
the programmes whose figures, structure or rules changed are evaluated again.
"""

from budgets.resources import figures, rules, structure  # noqa: F401  (each registers its kinds)
