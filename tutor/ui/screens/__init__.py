"""The tutorial's pages, one module each with its stylesheet beside it."""
