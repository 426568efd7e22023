"""One run of a network scenario and its tables (camps.csv, daily.csv, meta.json)."""
