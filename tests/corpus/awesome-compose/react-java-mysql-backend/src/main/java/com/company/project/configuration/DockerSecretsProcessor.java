package com.company.project.configuration;

// Stand-in for the project's DockerSecretsProcessor.java.
public class DockerSecretsProcessor {}
