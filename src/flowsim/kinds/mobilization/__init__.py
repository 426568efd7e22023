"""The mobilization model: the 2022 exodus of Russian men after the mobilization order."""
