package com.company.project.entity;

// Stand-in for the project's Greeting.java.
public class Greeting {}
