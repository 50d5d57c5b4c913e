module github.com/alsh/alsh

go 1.26.0

require (
	github.com/alecthomas/participle/v2 v2.1.4
	github.com/chzyer/readline v1.5.1
	github.com/creack/pty v1.1.24
	github.com/moby/profiles/seccomp v0.3.0
	github.com/opencontainers/runtime-spec v1.2.1
	github.com/rogpeppe/go-internal v1.16.0
	golang.org/x/net v0.63.0
	golang.org/x/sys v0.50.0
)

require golang.org/x/tools v0.26.0 // indirect
