// Stand-in for the project's postgres.rs.
