// Stand-in for the project's App.java.
public class App {}
