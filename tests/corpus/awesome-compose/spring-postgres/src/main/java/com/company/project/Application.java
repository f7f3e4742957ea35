package com.company.project;

// Stand-in for the project's Application.java.
public class Application {}
