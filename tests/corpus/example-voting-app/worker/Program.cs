// Stand-in for the project's Program.cs.
