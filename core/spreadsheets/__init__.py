"""Read and write the spreadsheets users exchange with pcc: XLSX, CSV and ODS.

By concept: :mod:`~core.spreadsheets.errors` (the located :class:`Problem` every refusal carries),
:mod:`~core.spreadsheets.columns` (typed columns and cell parsers),
:mod:`~core.spreadsheets.readers` (streaming XLSX, ODS and CSV readers, and their limits) and
:mod:`~core.spreadsheets.writers` (XLSX and CSV). Import from the module of the concept; limits
are read by the readers from their own module, so patch them there.
"""
