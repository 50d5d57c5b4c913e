package builtins

// ProcInfo describes a live process the driver knows, for ps and completion.
type ProcInfo struct {
	Pipeline []int             // from the root's child down to this process; empty for the root
	Pid      int               // OS pid, as the parent sees it (the pipeline's last pid)
	HostPid  int               // OS pid as alsh sees it (differs inside a pid namespace)
	Exec     bool              // true once the node exec'd a program
	Argv     []string          // the program's argv, when Exec
	Uid      int               // real uid, read from /proc (-1 if unknown)
	NS       map[string]string // namespace name (pid, net, mnt…) to its inode, from /proc/PID/ns
	Host     string            // the remote host it runs on ("" for this one)
}

// Message is output or an event from a process, delivered asynchronously.
type Message struct {
	Pipeline []int
	Kind     string // "stdout", "stderr" or "event"
	Data     any    // string for stdout/stderr; a Record for events
	Host     string // the remote host it comes from ("" for this one)
}
