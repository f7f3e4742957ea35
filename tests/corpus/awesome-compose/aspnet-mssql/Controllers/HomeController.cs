// Stand-in for the project's HomeController.cs.
