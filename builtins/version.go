package builtins

// Version is the alsh version, as the version call reports it.
const Version = "0.1.0"
