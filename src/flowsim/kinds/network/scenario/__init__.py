"""Network scenarios (``kind: network``) and Flee's case files: reader, settings, series, importer."""
