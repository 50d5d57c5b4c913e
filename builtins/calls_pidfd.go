package builtins

var pidfdCalls = []Call{}
