"""`tutor serve`: the tutorial served to a classroom's browsers (textual-serve)."""
