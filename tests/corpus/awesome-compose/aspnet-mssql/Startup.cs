// Stand-in for the project's Startup.cs.
