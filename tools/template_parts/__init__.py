"""The parts of the default template that tools/make_template.py writes.

``oxml`` (XML helpers), ``page`` (page geometry, fonts, sizes, style ids), ``styles`` (the style
sheet, settings and font table), ``paragraphs`` (titles, headings and narrative loops), ``grid``
(a bordered table from merged cells), ``table2`` / ``table3`` / ``table4`` (the official tables),
``document`` (the body in section order and the footer) and ``package`` (the zip and its
metadata).
"""
