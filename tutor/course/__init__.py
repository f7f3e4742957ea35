"""The course: lessons, their checks, and the DCA revision quiz (no UI code here)."""
