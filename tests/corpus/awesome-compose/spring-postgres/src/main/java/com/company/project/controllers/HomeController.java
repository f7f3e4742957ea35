package com.company.project.controllers;

// Stand-in for the project's HomeController.java.
public class HomeController {}
