package lang_test

import "flag"

var update = flag.Bool("update", false, "rewrite golden files (docs/grammar.ebnf, transcripts, docs examples)")
