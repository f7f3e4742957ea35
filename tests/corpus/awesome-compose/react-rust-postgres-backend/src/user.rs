// Stand-in for the project's user.rs.
