package builtins

var networkCalls = []Call{}
