"""Activity types: the built-in ones and those a community defines."""
