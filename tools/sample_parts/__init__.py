"""The parts of the bundled sample that tools/make_sample.py writes."""
