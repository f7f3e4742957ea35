"""The Textual tutorial: the only package that imports Textual."""
