"""The master workbook: reading it and writing a blank one.

Owns: raw sheet loading (:mod:`.sheets`; a large sheet a slice at a time, :mod:`.slices`),
narratives kept out of memory beyond a budget (:mod:`.spill`), header finding (:mod:`.headers`), cell value
normalisation (:mod:`.values`), parsing rows into :class:`~.rows.AgencyRow` (:mod:`.rows`) and the
blank workbook that ``init`` writes (:mod:`.blank`). Problems found while reading (R5) are
findings attached to the row, not exceptions.

May import: :mod:`annual_report.format` and the shared modules (errors, outputs, findings).
"""
