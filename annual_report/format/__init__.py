"""The national format, declared once (国办公开办函〔2021〕30号).

Owns: the sections, tables, verbatim labels and field keys (:mod:`.model`), the field reference
generated from them (:mod:`.docs`) and consistent synthetic records for tests and benchmarks
(:mod:`.synthetic`).

May import: the standard library only. Every other stage derives from this one.
"""
