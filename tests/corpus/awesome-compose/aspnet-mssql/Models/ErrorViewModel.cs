// Stand-in for the project's ErrorViewModel.cs.
