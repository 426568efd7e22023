"""The figure and report of a network run folder."""
