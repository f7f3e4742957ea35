package com.company.project.repository;

// Stand-in for the project's GreetingRepository.java.
public class GreetingRepository {}
